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

# llama.cpp (llama-cpp-python) and torch parallelise with GNU OpenMP, whose threads spin for
# 300,000 iterations before sleeping. On a machine with any other load (two cores, a test suite,
# a second run) the spinning threads take the CPU the working ones need: `harness run sanity
# --limit 3` took 30.7 s wall beside one busy process with libgomp's default and 11.0 s with a
# spin count of 100; idle, 7.1 vs 7.8 s; torch training 43.7 vs 27.8 s loaded, 17.6 vs 17.9 s idle
# (bench/bench_openmp.py, 2 cores). Set before libgomp loads; a user's GOMP_SPINCOUNT or
# OMP_WAIT_POLICY wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "100")
