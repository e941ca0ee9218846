"""pytest plugin: the ``harness_conformance`` fixture and the ``gpu`` marker's skip."""

from __future__ import annotations

from typing import Any

import pytest


def _has_gpu() -> bool:
    try:
        import torch
    except Exception:
        return False
    return bool(torch.cuda.is_available())


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "gpu: needs a CUDA GPU; skipped without one")
    config.addinivalue_line("markers", "slow: runs a real model or subprocess for a while")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    gpu_items = [i for i in items if i.get_closest_marker("gpu")]
    if gpu_items and not _has_gpu():
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture
def harness_conformance() -> Any:
    from harness.testing.conformance import Conformance

    return Conformance()
