"""Keep the cyclic garbage collector off the long-lived heap while a run executes.

Python's full (generation 2) collections walk every tracked object: the imported modules, the
model clients, the task's data. In a process that has imported litellm, torch or transformers
that is hundreds of thousands of objects, and each pass stops the event loop for tens of
milliseconds (``bench/bench_remote.py`` shows the effect; the README has the figures).
Objects alive when the run starts live for the whole run anyway, so :func:`frozen_heap` moves
them to the collector's permanent generation (:func:`gc.freeze`) for the run and back afterwards
(:func:`gc.unfreeze`); garbage the run itself makes is collected as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_lock = threading.Lock()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the heap as it is now for the duration of the block (re-entrant, and safe with runs
    in several threads: the heap thaws when the last block ends)."""
    global _depth
    with _lock:
        if _depth == 0:
            gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
