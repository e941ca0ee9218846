"""Polls a process tree through /proc: resident memory, CPU time and the number of tasks.

Why polling: RLIMIT_AS would be the simple memory limit, but it caps *address space*, and the
JVM, Go and Node reserve gigabytes they never touch, so it kills them at any useful setting. A
cgroup v2 memory.max is the real fix where the machine delegates one (see capabilities); without
it the sum of RSS over the tree, read every few milliseconds, is the honest measure we have.
CPU time is polled too because RLIMIT_CPU is per process: a build that forks 20 compilers would
otherwise get 20 times its budget.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class TreeUsage:
    """One look at the tree: resident bytes, CPU seconds (live processes plus the reaped children
    they waited for) and tasks (processes and threads, as RLIMIT_NPROC counts them) below the
    wrapper processes."""

    rss_bytes: int = 0
    cpu_seconds: float = 0.0
    tasks: int = 0


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                out.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _stat(pid: int) -> tuple[float, int, int] | None:
    """(cpu seconds incl. waited-for children, threads, rss bytes) from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    # fields[0] is field 3 (state); utime..cstime are fields 14-17, num_threads 20, rss 24.
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / _TICK, int(fields[17]), int(fields[21]) * _PAGE


def sample_tree(root: int, wrapper_depth: int) -> TreeUsage:
    """Walk the tree under ``root``; tasks of the first ``wrapper_depth`` levels (bwrap, unshare:
    ours, not the child's) are not counted against the process limit."""
    usage = TreeUsage()
    level = [root]
    depth = 0
    seen: set[int] = set()
    while level:
        nxt: list[int] = []
        for pid in level:
            if pid in seen:
                continue
            seen.add(pid)
            stat = _stat(pid)
            if stat is None:
                continue
            cpu, threads, rss = stat
            usage.cpu_seconds += cpu
            usage.rss_bytes += rss
            if depth >= wrapper_depth:
                usage.tasks += threads
            nxt.extend(children(pid))
        level = nxt
        depth += 1
    return usage
