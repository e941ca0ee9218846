"""The wrapper chain around every model call.

The chain, outermost first::

    cache  ->  retries  ->  hedging  ->  adaptive concurrency  ->  rate limits  ->  backend

The cache answers before anything else (a hit spends no retry, slot or rate budget); retries sit
outside the concurrency limit so a request sleeping out its backoff holds no slot; a hedge
(:mod:`harness.callpath.hedge`) is a second request: it counts against the connection limit without
waiting for a slot (the request it doubles may hold one on a connection the server stopped
answering) and spends its own rate budget; the rate limits are taken inside the slot, right
before the request goes out.
"""

from __future__ import annotations

from pathlib import Path

from harness.model import ModelWrapper
from harness.schemas import RunConfig


def default_wrappers(config: RunConfig, run_dir: Path | None) -> list[ModelWrapper]:
    """Outermost first: cache (with ``--cache``), retries, hedging, adaptive concurrency,
    rate limits."""
    from harness.callpath.hedge import Hedge
    from harness.callpath.ratelimit import AdaptiveConcurrency, RateLimit
    from harness.callpath.retry import Retry

    wrappers: list[ModelWrapper] = []
    if config.cache:
        from harness.callpath.cache import CacheWrapper, ResponseCache

        wrappers.append(CacheWrapper(ResponseCache.open()))
    wrappers += [
        Retry(),
        Hedge(config.max_concurrency),
        AdaptiveConcurrency(config.max_concurrency),
        RateLimit(),
    ]
    return wrappers
