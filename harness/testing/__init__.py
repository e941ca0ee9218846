"""The plugin author kit: conformance checks and a smoke run with a scripted model.

Loaded by pytest automatically (entry point ``pytest11``) once the core is installed; its fixture
``harness_conformance`` gives a :class:`Conformance`.
"""

from __future__ import annotations

from harness.testing.conformance import Conformance, SmokeResult

__all__ = ["Conformance", "SmokeResult"]
