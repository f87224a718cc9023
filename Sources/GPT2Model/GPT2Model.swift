// GPT2Model: placeholder until the module lands.
