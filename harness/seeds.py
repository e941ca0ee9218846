"""Seeds that do not depend on the order work runs in (a sample's, a generator item's)."""

from __future__ import annotations

import hashlib


def derive_seed(seed: int, sample_id: str, epoch: int) -> int:
    """A per-sample seed that does not depend on the order samples run in."""
    digest = hashlib.sha256(f"{seed}:{sample_id}:{epoch}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
