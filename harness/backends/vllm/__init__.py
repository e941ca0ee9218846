"""Local GPUs via vllm: offline engine or managed ``vllm serve`` replicas (``vllm/``)."""
