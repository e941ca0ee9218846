"""The call path: what every model call passes through between a task and a backend.

``args`` holds the ``-M`` settings it consumes (:class:`CallArgs`); ``chain`` assembles the
wrappers, outermost first: ``cache`` -> ``retry`` -> ``hedge`` -> ``ratelimit`` (adaptive
concurrency, then rpm/tpm) -> the backend. ``slots`` holds the run slots a sample gives back while
it waits. Layer: imports the plugin-facing API only.
"""

from __future__ import annotations

from harness.callpath.args import CallArgs, call_args_of, split_call_args
from harness.callpath.chain import default_wrappers

__all__ = ["CallArgs", "call_args_of", "default_wrappers", "split_call_args"]
