"""Repository-wide pytest hooks: the wall time of each test module (setup, calls and teardown
summed) at the end of a run, so a CI log shows which modules hold the suite's time and whether
one stays within its budget (the Ray module's is three minutes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

_module_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _module_seconds[report.nodeid.split("::")[0]] += report.duration


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    slow = sorted(((s, m) for m, s in _module_seconds.items() if s >= 20), reverse=True)
    if not slow:
        return
    terminalreporter.section("test modules of 20 s or more (setup + calls + teardown)")
    for seconds, module in slow[:25]:
        terminalreporter.write_line(f"{seconds:8.1f}s  {module}")
