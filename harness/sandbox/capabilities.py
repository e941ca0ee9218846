"""What this machine lets the sandbox enforce, found out once per process and reported once.

Probing runs the real tools (``bwrap ... true``, ``unshare ... true``) instead of trusting their
presence: a bubblewrap that the kernel refuses (no user namespaces, a seccomp profile in a
container) must count as absent, not fail every call later.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.sandbox.result import Mode

log = logging.getLogger("harness.sandbox")

# Namespaces bubblewrap makes. As root we leave out the user namespace on purpose: the child then
# drops to a real, otherwise unused uid (setpriv), so the kernel's per-user process count
# (RLIMIT_NPROC) counts this sandbox alone; inside a user namespace mapped to root it would not.
BWRAP_ROOT_NS = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
BWRAP_USER_NS = ["--unshare-all"]


class Capabilities(BaseModel):
    """What the machine offers and what each mode leaves unenforced."""

    model_config = ConfigDict(frozen=True)

    root: bool = Field(description="Running as root: the child can drop to its own uid.")
    bwrap: str | None = Field(description="A working bubblewrap, or None.")
    unshare: str | None = Field(description="A working `unshare` for a network+pid namespace.")
    prlimit: str | None = Field(description="util-linux prlimit (sets the child's rlimits).")
    setpriv: str | None = Field(description="util-linux setpriv (drops uid, parent-death signal).")
    cgroup_memory: bool = Field(description="Our cgroup v2 offers a memory controller.")

    def best_mode(self) -> Mode:
        if self.bwrap:
            return "bwrap"
        if self.unshare:
            return "unshare"
        return "none"

    def check_mode(self, mode: str) -> Mode:
        """The mode to use for ``mode`` ('auto' or a name); a mode the machine lacks is an error."""
        if mode == "auto":
            return self.best_mode()
        if mode == "bwrap" and self.bwrap:
            return "bwrap"
        if mode == "unshare" and self.unshare:
            return "unshare"
        if mode == "none":
            return "none"
        if mode not in ("bwrap", "unshare"):
            raise UserError(f"unknown sandbox mode '{mode}': use auto, bwrap, unshare or none")
        hint = " (apt-get install bubblewrap)" if mode == "bwrap" else ""
        raise UserError(f"sandbox mode '{mode}' is not available on this machine{hint}")

    def unenforced(self, mode: Mode) -> list[str]:
        """Each limit ``mode`` cannot enforce here, with the reason, in one line each."""
        out: list[str] = []
        why = (
            "this process's cgroup v2 has a memory controller, but using it needs a delegated"
            " subtree, which the sandbox does not set up yet"
            if self.cgroup_memory
            else "no cgroup v2 memory controller here"
        )
        out.append(
            f"memory: {why}; the process tree's resident memory is polled every 10 ms and the"
            " tree killed past the limit (a spike shorter than a poll can pass)"
        )
        if mode != "bwrap":
            out.append(
                "filesystem: no bubblewrap, so the system is not mounted read-only; the child can"
                " write wherever file permissions let its uid (e.g. /tmp, /var/tmp)"
            )
        if mode == "none":
            out.append("network: no network namespace available; the child shares the network")
        if not self.root:
            out.append(
                "processes: not root, so the child keeps your uid and RLIMIT_NPROC (per user)"
                " cannot be used; the process count is polled and the tree killed at the limit"
            )
        if not self.prlimit:
            out.append("rlimits: no prlimit; CPU and file size are only polled, open files unset")
        out.append("disk: each file's size is capped, not the total written into the work dir")
        return out


def _works(argv: list[str]) -> bool:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _cgroup_v2_memory() -> bool:
    """True if our own cgroup v2 directory offers the memory controller and we may write it."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return False
    rel = next((line[3:] for line in lines if line.startswith("0::")), None)
    if rel is None:
        return False
    for base in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        here = Path(base + rel.rstrip("/"))
        try:
            controllers = (here / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        return "memory" in controllers and os.access(here, os.W_OK)
    return False


@functools.cache
def capabilities() -> Capabilities:
    """Probe once; later calls return the same answer."""
    root = os.geteuid() == 0
    bwrap = shutil.which("bwrap")
    if bwrap:
        ns = BWRAP_ROOT_NS if root else BWRAP_USER_NS
        probe = [bwrap, *ns, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
        bwrap = bwrap if _works(probe) else None
    unshare = shutil.which("unshare")
    if unshare:
        ns = ["--net", "--pid", "--fork"] if root else ["--user", "--net", "--pid", "--fork"]
        unshare = unshare if _works([unshare, *ns, "true"]) else None
    return Capabilities(
        root=root,
        bwrap=bwrap,
        unshare=unshare,
        prlimit=shutil.which("prlimit"),
        setpriv=shutil.which("setpriv"),
        cgroup_memory=_cgroup_v2_memory(),
    )


@functools.cache
def report_once(mode: Mode) -> None:
    """Log, once per process and mode, what the sandbox cannot enforce here."""
    for line in capabilities().unenforced(mode):
        log.warning("sandbox (%s) does not enforce %s", mode, line)
