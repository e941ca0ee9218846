"""harness: a plugin-based evaluation harness for LLM agents.

The package imports nothing heavy: ``harness --help`` and ``harness plugins`` stay fast.
"""

from __future__ import annotations

import os

__version__ = "0.1.0"

# Offline by default: nothing touches the network unless the user names a remote model or hub id.
# Set before any backend library is imported; a user's explicit setting wins.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
