"""A sandbox for model-written code: ``run_command`` / ``run_python`` (and their async twins)
run untrusted code in a fresh work directory under :class:`SandboxLimits` and return a
:class:`SandboxResult`; ``capabilities()`` says what this machine can enforce.

Design (why each piece, details in the modules): bubblewrap gives a read-only view of the system
and new pid/network namespaces (isolation.py); as root the child runs as a private unused uid so
RLIMIT_NPROC holds; CPU time, memory and process count of the whole tree are polled through /proc
because RLIMIT_AS kills the JVM, Go and Node, and RLIMIT_CPU is per process (monitor.py); the
environment is an allow-list with secret-looking names removed (toolchains.py). Whatever the
machine cannot enforce is logged once and listed in every result's ``unenforced``.

This is plugin-facing API: it imports only harness.errors, pydantic and the standard library.
"""

from __future__ import annotations

from harness.sandbox.capabilities import Capabilities, capabilities
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.result import LimitName, SandboxResult
from harness.sandbox.runner import arun_command, arun_python, run_command, run_python
from harness.sandbox.toolchains import find_tool, warm_go_cache

__all__ = [
    "Capabilities",
    "LimitName",
    "SandboxLimits",
    "SandboxResult",
    "arun_command",
    "arun_python",
    "capabilities",
    "find_tool",
    "run_command",
    "run_python",
    "warm_go_cache",
]
