"""llama.cpp's thread count follows OMP_NUM_THREADS, the variable torch reads, so one setting
bounds every engine in a process (two benches side by side on two cores take one each)."""

from __future__ import annotations

import os

import pytest

from harness.backends.llamacpp.model import default_threads


@pytest.mark.parametrize(
    ("env", "expected"),
    [("1", 1), ("3", 3), (" 2 ", 2)],
)
def test_omp_num_threads_sets_the_default(
    monkeypatch: pytest.MonkeyPatch, env: str, expected: int
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", env)
    assert default_threads() == expected


@pytest.mark.parametrize("env", [None, "", "0", "two", "-1"])
def test_unset_or_invalid_falls_back_to_the_cores(
    monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    if env is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", env)
    assert default_threads() == min(8, os.cpu_count() or 1)
