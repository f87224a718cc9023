// The files a copied `gpt2` binary needs, inside the binary itself: GPT-2's tokenizer files and
// the bundled default model (Models/default) with its verbatim index. `.incbin` finds them
// through the include paths that Package.swift gives this target, so the binary needs no
// resource folder beside it.
// SwiftPM does not see these files as inputs: after changing one, touch this file to rebuild.

#if defined(__APPLE__)
#define SYMBOL(name) _##name
#define RODATA .section __TEXT,__const
#else
#define SYMBOL(name) name
#define RODATA .section .rodata
#endif

#define EMBED(name, path)            \
    .globl SYMBOL(name##_start);     \
    .globl SYMBOL(name##_end);       \
    .balign 64;                      \
SYMBOL(name##_start):                \
    .incbin path;                    \
SYMBOL(name##_end):                  \
    .byte 0

    RODATA
EMBED(gpt2_embedded_encoder_json, "encoder.json")
EMBED(gpt2_embedded_vocab_bpe, "vocab.bpe")
EMBED(gpt2_embedded_default_config, "config.json")
EMBED(gpt2_embedded_default_safetensors, "model.safetensors")
EMBED(gpt2_embedded_default_verbatim_index, "verbatim.idx")

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
