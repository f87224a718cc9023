// GPT2Tokenizer: placeholder until the module lands.
