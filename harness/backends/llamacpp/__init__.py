"""The embedded engine: GGUF models in-process via llama-cpp-python (``llamacpp/``)."""
