"""Tests import the hand-written case (tlg_handwritten.py) as a module: pytest runs with
--import-mode=importlib, which does not put this directory on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
