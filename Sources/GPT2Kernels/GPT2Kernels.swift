// GPT2Kernels: placeholder until the module lands.
