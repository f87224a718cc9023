// GPT2Generation: placeholder until the module lands.
