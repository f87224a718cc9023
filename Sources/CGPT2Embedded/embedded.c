#include "CGPT2Embedded.h"

#define DECLARE(name) extern const unsigned char name##_start[]; extern const unsigned char name##_end[];
DECLARE(gpt2_embedded_encoder_json)
DECLARE(gpt2_embedded_vocab_bpe)
DECLARE(gpt2_embedded_default_config)
DECLARE(gpt2_embedded_default_safetensors)
DECLARE(gpt2_embedded_default_verbatim_index)

#define BLOB(name) (gpt2_blob){ name##_start, (size_t)(name##_end - name##_start) }

gpt2_blob gpt2_embedded_file(gpt2_embedded_id id) {
    switch (id) {
    case GPT2_EMBEDDED_ENCODER_JSON: return BLOB(gpt2_embedded_encoder_json);
    case GPT2_EMBEDDED_VOCAB_BPE: return BLOB(gpt2_embedded_vocab_bpe);
    case GPT2_EMBEDDED_DEFAULT_CONFIG: return BLOB(gpt2_embedded_default_config);
    case GPT2_EMBEDDED_DEFAULT_SAFETENSORS: return BLOB(gpt2_embedded_default_safetensors);
    case GPT2_EMBEDDED_DEFAULT_VERBATIM_INDEX: return BLOB(gpt2_embedded_default_verbatim_index);
    }
    return (gpt2_blob){ 0, 0 };
}
