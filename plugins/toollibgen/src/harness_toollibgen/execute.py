"""Running model-written tools: always through the core sandbox (``harness.sandbox``), with the
import allow-list enforced inside it (``allowed_imports``), no network, and wall/CPU time limits.

The allow-list is the issue's: math, json, re, itertools, fractions, decimal, datetime,
statistics (plus typing, for annotations), and numpy/sympy when the sandbox's interpreter can
import them (probed once: the sandbox may see fewer packages than the harness's own venv)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from harness.sandbox import SandboxLimits, SandboxResult, arun_python, run_python

BASE_IMPORTS = (
    "math",
    "json",
    "re",
    "itertools",
    "fractions",
    "decimal",
    "datetime",
    "statistics",
    "typing",
)
OPTIONAL_IMPORTS = ("numpy", "sympy")

# Appended to the tool's code (after the static checks): calls the named function and turns
# what it returns into JSON (Fractions, Decimals, numpy numbers become numbers or strings).
_PROBE = """

def __tlg_call__(__name, __kwargs):
    __fn = globals().get(__name)
    if not callable(__fn):
        raise NameError("no function " + repr(__name))
    if __kwargs is None:
        return True
    def __plain(v):
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return v if v == v and v not in (float("inf"), float("-inf")) else str(v)
        if isinstance(v, (list, tuple)):
            return [__plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): __plain(x) for k, x in v.items()}
        try:
            f = float(v)
            return int(f) if f.is_integer() and "." not in str(v) else f
        except (TypeError, ValueError):
            return str(v)
    return __plain(__fn(**__kwargs))
"""


@functools.cache
def allowed_imports() -> frozenset[str]:
    """The allow-list, with numpy/sympy only if the sandbox can import them."""
    found = set(BASE_IMPORTS)
    for mod in OPTIONAL_IMPORTS:
        src = f"def probe():\n    import {mod}\n    return True\n"
        r = run_python(src, "probe", limits=SandboxLimits(wall_seconds=30, cpu_seconds=30))
        if r.return_value is True:
            found.add(mod)
    return frozenset(found)


@dataclass
class Outcome:
    """What a sandboxed call gave: a JSON value, or the reason it failed."""

    ok: bool
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


def limits(timeout: float) -> SandboxLimits:
    """``timeout`` is CPU time (a busy loop is stopped after it whatever the machine's load);
    wall time gets 4x + 10 s of slack, so a loaded machine does not reject a correct tool, while
    a tool that sleeps is still stopped."""
    return SandboxLimits(
        wall_seconds=4 * timeout + 10,
        cpu_seconds=timeout,
        memory_bytes=512 << 20,
        processes=64,
        output_bytes=64 << 10,
    )


def _outcome(r: SandboxResult) -> Outcome:
    if r.limit_hit is not None:
        why = {"wall_time": "timed out (wall time)", "cpu_time": "timed out (CPU time)"}.get(
            r.limit_hit, f"hit the {r.limit_hit} limit"
        )
        return Outcome(False, error=why, seconds=r.wall_seconds)
    if r.exception:
        return Outcome(False, error=r.exception.strip()[:500], seconds=r.wall_seconds)
    if r.exit_code not in (0, None):
        tail = (r.stderr or "").strip().splitlines()[-1:] or [f"exit status {r.exit_code}"]
        return Outcome(False, error=tail[0][:500], seconds=r.wall_seconds)
    return Outcome(True, value=r.return_value, seconds=r.wall_seconds)


async def call_tool(
    code: str, name: str, kwargs: dict[str, Any] | None, timeout: float = 5.0
) -> Outcome:
    """Run ``name(**kwargs)`` from ``code`` in the sandbox (``kwargs=None``: only define it)."""
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        return Outcome(False, error=f"arguments are not JSON: {exc}")
    r = await arun_python(
        code + _PROBE,
        "__tlg_call__",
        [name, kwargs],
        limits=limits(timeout),
        allowed_imports=sorted(allowed_imports()),
    )
    return _outcome(r)


def show(value: Any) -> str:
    """A tool result as the agent reads it."""
    return value if isinstance(value, str) else json.dumps(value)
