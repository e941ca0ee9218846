"""Every provider litellm supports (``litellm/``)."""
