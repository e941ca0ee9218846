"""Any OpenAI-compatible HTTP server (``openai-compatible/``) and the wire format it shares
with litellm."""
