"""The wrapper command line around a sandboxed command, and the uid it runs as.

Layers, outermost first, each an exec of a small util-linux or bubblewrap binary, so nothing runs
Python between fork and exec (``preexec_fn`` is unsafe in a threaded, asyncio process):

1. ``prlimit``: RLIMIT_CPU (a per-process backstop a little above the limit; the tree total is
   polled), RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_CORE=0 and, as root, RLIMIT_NPROC.
2. ``setpriv --pdeathsig KILL``: if the harness dies, the sandbox dies with it.
3. ``bwrap`` (or ``unshare``): new pid, network, ipc and uts namespaces; the system read-only,
   /root and /home hidden, /tmp a private size-capped tmpfs, only the work directory writable.
   Killing the outermost process takes down the pid namespace and every process in it.
4. As root, ``setpriv --reuid UID``: an otherwise unused uid, one per concurrent call (a lock
   file holds the slot). The kernel exempts root from RLIMIT_NPROC and counts it per user, so a
   private uid is what makes the process limit hold; the uid also cannot write root's files.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import signal
import tempfile
import time
from pathlib import Path
from types import TracebackType

from harness.errors import UserError
from harness.sandbox.capabilities import BWRAP_ROOT_NS, BWRAP_USER_NS, Capabilities
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.result import Mode
from harness.sandbox.toolchains import HIDDEN_ROOTS, toolchain_dirs

UID_BASE = 1_500_000_000  # far above any uid a distribution or subuid range hands out
UID_SLOTS = 4096


class UidSlot:
    """A uid no other live sandbox uses, held by an flock'd file until closed."""

    _next = 0

    def __init__(self) -> None:
        self.uid: int | None = None
        self._fd: int | None = None

    def __enter__(self) -> UidSlot:
        lock_dir = Path(tempfile.gettempdir()) / "harness-sandbox-uids"
        lock_dir.mkdir(mode=0o700, exist_ok=True)
        UidSlot._next += 1  # rotate, so a just-freed uid is not the next one handed out
        start = (os.getpid() * 7 + UidSlot._next) % UID_SLOTS
        for i in range(UID_SLOTS):
            slot = (start + i) % UID_SLOTS
            fd = os.open(lock_dir / f"{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = UID_BASE + slot, fd
            return self
        raise UserError(f"all {UID_SLOTS} sandbox uids are in use")

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            assert self.uid is not None
            reap_uid(self.uid)
            os.close(self._fd)
            self._fd = None


def reap_uid(uid: int, timeout: float = 2.0) -> None:
    """Kill every process of ``uid`` and wait until they are gone, so the next holder of the slot
    starts with a process count of zero (the kernel counts RLIMIT_NPROC per uid, and a killed
    tree takes a moment to exit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        pids.append(int(name))
                except OSError:
                    continue
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)


def rlimit_args(caps: Capabilities, limits: SandboxLimits, uid: int | None) -> list[str]:
    if not caps.prlimit:
        return []
    cpu = math.ceil(limits.cpu_seconds) + 1
    args = [
        caps.prlimit,
        f"--cpu={cpu}:{cpu + 1}",
        f"--fsize={limits.file_size_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
    ]
    if uid is not None:
        args.append(f"--nproc={limits.processes}")
    return [*args, "--"]


def wrap(
    argv: list[str],
    *,
    mode: Mode,
    caps: Capabilities,
    limits: SandboxLimits,
    workdir: str,
    uid: int | None,
) -> tuple[list[str], int]:
    """(full command line, how many wrapper levels sit above the child in the process tree)."""
    out = rlimit_args(caps, limits, uid)
    if caps.setpriv:
        out += [caps.setpriv, "--pdeathsig", "KILL", "--"]
    depth = 0
    if mode == "bwrap" and caps.bwrap:
        out += [caps.bwrap, *(BWRAP_ROOT_NS if caps.root else BWRAP_USER_NS)]
        out += ["--die-with-parent", "--new-session", "--ro-bind", "/", "/"]
        out += ["--dev", "/dev", "--proc", "/proc"]
        size = str(limits.memory_bytes)
        # world-writable and sticky like a real /tmp: the sandbox uid is not the mount's owner
        out += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        out += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
        for hidden in HIDDEN_ROOTS:
            if os.path.isdir(hidden):
                out += ["--tmpfs", hidden]
        for path in toolchain_dirs()[1]:
            out += ["--ro-bind", path, path]
        out += ["--bind", workdir, workdir, "--chdir", workdir, "--"]
        depth = 2
    elif mode == "unshare" and caps.unshare:
        ns = ["--net", "--pid", "--fork", "--kill-child"]
        out += [caps.unshare, *(ns if caps.root else ["--user", *ns]), "--"]
        depth = 1
    if uid is not None and caps.setpriv:
        out += [caps.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        # A uid change clears the parent-death signal, so set it again after the drop: under
        # unshare this process is the namespace's pid 1, and its death ends every process in it.
        out += ["--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
        out += ["--pdeathsig=KILL", "--"]
    return out + argv, depth
