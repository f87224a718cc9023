#ifndef CGPT2_EMBEDDED_H
#define CGPT2_EMBEDDED_H

#include <stddef.h>

/// The bytes of one file built into the binary (see embedded.S).
typedef struct {
    const unsigned char *bytes;
    size_t count;
} gpt2_blob;

typedef enum {
    /// GPT-2's vocabulary (OpenAI's encoder.json).
    GPT2_EMBEDDED_ENCODER_JSON = 0,
    /// GPT-2's merges (OpenAI's vocab.bpe).
    GPT2_EMBEDDED_VOCAB_BPE = 1,
    /// The bundled default model's config.json.
    GPT2_EMBEDDED_DEFAULT_CONFIG = 2,
    /// The bundled default model's model.safetensors (fp16).
    GPT2_EMBEDDED_DEFAULT_SAFETENSORS = 3,
    /// The bundled default model's verbatim.idx (its training text's 8-token windows).
    GPT2_EMBEDDED_DEFAULT_VERBATIM_INDEX = 4,
} gpt2_embedded_id;

gpt2_blob gpt2_embedded_file(gpt2_embedded_id id);

#endif
