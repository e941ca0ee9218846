"""Local transformers checkpoints, micro-batched (``hf/``)."""
