"""Run untrusted code: a command, or a Python function's source with arguments, in a fresh work
directory, under the limits of :class:`SandboxLimits`, and say how it ended.

The parent supervises: one loop reads stdout and stderr (keeping the first ``output_bytes`` of
each and counting the rest, so a child that prints forever cannot block on a full pipe or fill
memory) and every 10 ms samples the process tree (monitor.py), killing the whole sandbox on wall
time, tree CPU time, resident memory or process count. File size is the kernel's (RLIMIT_FSIZE);
network and filesystem are the namespaces' (isolation.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from harness.errors import UserError
from harness.sandbox.capabilities import capabilities, report_once
from harness.sandbox.isolation import UidSlot, wrap
from harness.sandbox.limits import SandboxLimits
from harness.sandbox.monitor import children, sample_tree
from harness.sandbox.result import LimitName, Mode, SandboxResult
from harness.sandbox.toolchains import child_env, find_tool, seed_go_cache

POLL_SECONDS = 0.01
Files = dict[str, str | bytes]
_FORK_FAILED = re.compile(rb"Resource temporarily unavailable|fork: retry|[Cc]annot fork")
_FILE_TOO_LARGE = re.compile(rb"File too large|File size limit exceeded")
_RESULT_FILE = "_harness_result.json"


@dataclass
class _Capture:
    """The first ``limit`` bytes of a stream, and how many more there were."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += chunk[: max(room, 0)]
        self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        out = self.data.decode("utf-8", errors="replace")
        return out + (f"\n[... truncated {self.dropped} bytes]" if self.dropped else "")


@dataclass
class _Watch:
    """What the supervisor saw of the tree."""

    kill_reason: LimitName | None = None
    peak_rss: int = 0
    cpu: float = 0.0
    max_tasks: int = 0
    status: int = 0
    rusage: Any = None
    wall: float = 0.0


def _make_workdir(work_root: str | os.PathLike[str] | None) -> Path:
    root = Path(work_root) if work_root is not None else Path(tempfile.gettempdir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="harness-sandbox-", dir=root))
    except OSError as exc:
        raise UserError(f"cannot create a sandbox work directory under {root}: {exc}") from None


def _write_files(workdir: Path, files: Files | None) -> None:
    for name, content in (files or {}).items():
        rel = PurePosixPath(name)
        if not name or rel.is_absolute() or ".." in rel.parts:
            raise UserError(
                f"sandbox file name {name!r} must be a relative path inside the work dir"
            )
        path = workdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def _check_command(argv: list[str], workdir: Path, path_var: str) -> None:
    if not argv or not all(isinstance(a, str) for a in argv):
        raise UserError(f"sandbox command must be a non-empty list of strings, got {argv!r}")
    cmd = argv[0]
    if "/" in cmd:
        target = Path(cmd) if cmd.startswith("/") else workdir / cmd
        found = target.is_file()
    else:
        found = shutil.which(cmd, path=path_var) is not None
    if not found:
        raise UserError(f"sandbox command not found: {cmd!r} (PATH inside: {path_var})")


def _world_reachable(path: Path) -> bool:
    """Can an unrelated uid walk down to ``path``? (Every ancestor has o+x.)"""
    for p in [path, *path.parents]:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _chown_tree(root: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, uid)
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def _remove_tree(root: Path) -> None:
    def onerror(func: Any, path: str, exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    shutil.rmtree(root, onerror=onerror)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    for kill in (os.kill, os.killpg):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(proc.pid, signal.SIGKILL)


def _kill_inside(proc: subprocess.Popen[bytes], depth: int) -> None:
    """Kill the namespace's first process, so the kernel ends every process in it and the
    wrapper (bwrap, unshare) reaps them and exits; killing the wrapper first would orphan them
    as zombies of the host's init, still counting against the uid's process limit."""
    if depth == 0:
        _kill(proc)
        return
    for child in children(proc.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(child, signal.SIGKILL)


def _over_limit(watch: _Watch, limits: SandboxLimits, started: float) -> LimitName | None:
    if time.monotonic() - started >= limits.wall_seconds:
        return "wall_time"
    if watch.peak_rss > limits.memory_bytes:
        return "memory"
    if watch.cpu >= limits.cpu_seconds:
        return "cpu_time"
    if watch.max_tasks >= limits.processes:
        return "processes"
    return None


def _supervise(
    proc: subprocess.Popen[bytes], limits: SandboxLimits, depth: int, out: list[_Capture]
) -> _Watch:
    """Read output and poll the tree until the child exits; kill it on a limit."""
    watch = _Watch()
    started = time.monotonic()
    sel = selectors.DefaultSelector()
    for stream, capture in zip((proc.stdout, proc.stderr), out, strict=True):
        assert stream is not None
        os.set_blocking(stream.fileno(), False)
        sel.register(stream, selectors.EVENT_READ, capture)
    exited = os.pidfd_open(proc.pid)  # readable when the child exits: no poll latency
    sel.register(exited, selectors.EVENT_READ, None)
    next_sample = hard_kill_at = started
    while True:
        for key, _ in sel.select(timeout=POLL_SECONDS):
            if key.data is None:
                continue
            chunk = os.read(key.fd, 1 << 16)
            if chunk:
                key.data.add(chunk)
            else:
                sel.unregister(key.fileobj)
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            watch.status, watch.rusage = status, rusage
            break
        if time.monotonic() >= next_sample:
            next_sample = time.monotonic() + POLL_SECONDS
            usage = sample_tree(proc.pid, depth)
            watch.peak_rss = max(watch.peak_rss, usage.rss_bytes)
            watch.cpu = max(watch.cpu, usage.cpu_seconds)
            watch.max_tasks = max(watch.max_tasks, usage.tasks)
            if watch.kill_reason is None and (reason := _over_limit(watch, limits, started)):
                watch.kill_reason = reason
                hard_kill_at = time.monotonic() + 0.2
                _kill_inside(proc, depth)
            elif watch.kill_reason and time.monotonic() > hard_kill_at:
                _kill(proc)
    watch.wall = time.monotonic() - started
    sel.unregister(exited)
    os.close(exited)
    proc.returncode = -1  # reaped by wait4 above; keeps Popen from waiting again
    _kill(proc)  # stragglers in the process group (mode "none")
    _drain(sel)
    return watch


def _drain(sel: selectors.BaseSelector) -> None:
    """Read what is left in the pipes; a straggler holding one open gets half a second."""
    stop = time.monotonic() + 0.5
    while sel.get_map() and time.monotonic() < stop:
        for key, _ in sel.select(timeout=0.05):
            chunk = os.read(key.fd, 1 << 16)
            if chunk:
                key.data.add(chunk)
            else:
                sel.unregister(key.fileobj)
    sel.close()


def _decode_status(status: int, mode: Mode) -> tuple[int | None, int | None]:
    """(exit code, signal). bwrap reports a child killed by signal N as exit status 128+N."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    code = os.WEXITSTATUS(status)
    if mode == "bwrap" and 128 < code <= 128 + 64:
        return None, code - 128
    return code, None


def _file_at_limit(workdir: Path, limit: int) -> bool:
    for dirpath, _, filenames in os.walk(workdir):
        for name in filenames:
            try:
                if os.lstat(os.path.join(dirpath, name)).st_size >= limit:
                    return True
            except OSError:
                continue
    return False


def _classify(
    watch: _Watch, sig: int | None, code: int | None, stderr: bytes, limits: SandboxLimits,
    workdir: Path, nproc_enforced: bool,
) -> LimitName | None:  # fmt: skip
    """Which limit stopped the child: our own kill, else the kernel's signal or error."""
    if watch.kill_reason:
        return watch.kill_reason
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and watch.cpu >= limits.cpu_seconds):
        return "cpu_time"
    failed = sig is not None or code != 0
    if (
        sig == signal.SIGXFSZ
        or (failed and _FILE_TOO_LARGE.search(stderr))
        or _file_at_limit(workdir, limits.file_size_bytes)  # a writer stopped at the cap
    ):
        return "file_size"
    # A fork refused with EAGAIN: under our private uid that is RLIMIT_NPROC. A fork bomb can
    # rise and collapse between two polls, so the poller's count is only a hint without it.
    near = watch.max_tasks * 4 >= limits.processes * 3
    if _FORK_FAILED.search(stderr) and (nproc_enforced or near):
        return "processes"
    return None


def run_command(
    command: list[str] | str,
    *,
    files: Files | None = None,
    limits: SandboxLimits | None = None,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    work_root: str | os.PathLike[str] | None = None,
    keep_workdir: bool = False,
    mode: str = "auto",
) -> SandboxResult:
    """Run ``command`` (argv list, or a string for ``sh -c``) in a fresh work directory holding
    ``files``, under ``limits``; never raises for what the child does, only for bad input."""
    return _run(command, files, limits, env, stdin, work_root, keep_workdir, mode, None)


def _run(
    command: list[str] | str,
    files: Files | None,
    limits: SandboxLimits | None,
    env: dict[str, str] | None,
    stdin: str | bytes | None,
    work_root: str | os.PathLike[str] | None,
    keep_workdir: bool,
    mode: str,
    result_file: str | None,
) -> SandboxResult:
    argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
    limits = limits if limits is not None else SandboxLimits()
    if not isinstance(limits, SandboxLimits):
        raise UserError(f"sandbox limits must be a SandboxLimits, got {type(limits).__name__}")
    caps = capabilities()
    chosen = caps.check_mode(mode)
    report_once(chosen)
    workdir = _make_workdir(work_root)
    try:
        with UidSlot() if caps.root and caps.setpriv else _NoSlot() as slot:
            result = _run_in(
                argv, workdir, files, limits, env, stdin, chosen, slot.uid, result_file
            )
        result.workdir = str(workdir) if keep_workdir else None
        return result
    finally:
        if not keep_workdir:
            _remove_tree(workdir)


class _NoSlot:
    uid: int | None = None

    def __enter__(self) -> _NoSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _run_in(
    argv: list[str],
    workdir: Path,
    files: Files | None,
    limits: SandboxLimits,
    env: dict[str, str] | None,
    stdin: str | bytes | None,
    mode: Mode,
    uid: int | None,
    result_file: str | None,
) -> SandboxResult:
    caps = capabilities()
    tmpdir = "/tmp" if mode == "bwrap" else str(workdir / ".tmp")
    if mode != "bwrap":
        (workdir / ".tmp").mkdir()
        if uid is not None and not _world_reachable(workdir.parent):
            raise UserError(f"sandbox work root {workdir.parent} is not reachable by other users")
    _write_files(workdir, files)
    child = child_env(str(workdir), tmpdir, env)
    _check_command(argv, workdir, child["PATH"])
    if uid is not None:
        _chown_tree(workdir, uid)
    seed_go_cache(workdir, uid)
    full, depth = wrap(argv, mode=mode, caps=caps, limits=limits, workdir=str(workdir), uid=uid)
    out = [_Capture(limits.output_bytes), _Capture(limits.output_bytes)]
    with _stdin_file(stdin) as stdin_fh:
        proc = subprocess.Popen(
            full,
            stdin=stdin_fh,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child,
            cwd=workdir,
            start_new_session=True,
        )
        try:
            watch = _supervise(proc, limits, depth, out)
        finally:
            _kill(proc)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
    code, sig = _decode_status(watch.status, mode)
    stderr = bytes(out[1].data)
    limit_hit = _classify(
        watch, sig, code, stderr, limits, workdir, uid is not None and caps.prlimit is not None
    )
    ru = watch.rusage
    result = SandboxResult(
        exit_code=code,
        signal=sig,
        stdout=out[0].text(),
        stderr=out[1].text(),
        stdout_truncated=bool(out[0].dropped),
        stderr_truncated=bool(out[1].dropped),
        wall_seconds=round(watch.wall, 4),
        cpu_seconds=round(max(watch.cpu, ru.ru_utime + ru.ru_stime if ru else 0.0), 4),
        peak_memory_bytes=max(watch.peak_rss, ru.ru_maxrss * 1024 if ru else 0),
        limit_hit=limit_hit,
        mode=mode,
        unenforced=caps.unenforced(mode),
        workdir=None,
    )
    if result_file:
        _read_result(result, workdir / result_file, limits.output_bytes)
    return result


class _stdin_file:
    """stdin for the child: /dev/null, or a temporary file outside the work dir."""

    def __init__(self, data: str | bytes | None) -> None:
        self.data = data.encode() if isinstance(data, str) else data
        self.fh: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes] | int:
        if self.data is None:
            return subprocess.DEVNULL
        self.fh = tempfile.TemporaryFile()
        self.fh.write(self.data)
        self.fh.seek(0)
        return self.fh

    def __exit__(self, *exc: object) -> None:
        if self.fh is not None:
            self.fh.close()


# Runs inside the sandbox: import the model's module, call the function with the JSON arguments,
# write the JSON outcome. The harness never evaluates model code itself.
_CALLER = """\
import importlib, json, sys, traceback
sys.path.insert(0, ".")
spec = json.load(open("_harness_call.json"))
if spec.get("allowed_imports") is not None:
    import builtins, os
    _allowed = set(spec["allowed_imports"])
    _real_import = builtins.__import__
    _here = os.path.realpath(".") + os.sep

    def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        caller = sys._getframe(1).f_code.co_filename
        top = name.partition(".")[0]
        inside = caller[:1] != "<" and os.path.realpath(caller).startswith(_here)
        if inside and level == 0 and top not in _allowed and not top.startswith("_"):
            raise ImportError(f"import of {name!r} is not allowed here")
        return _real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = _guarded_import
try:
    value = getattr(importlib.import_module("solution"), spec["function"])(
        *spec["args"], **spec["kwargs"])
    out = {"value": value}
except BaseException as exc:
    out = {"exception": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
try:
    text = json.dumps(out)
except (TypeError, ValueError) as exc:
    text = json.dumps({"exception": f"return value is not JSON: {exc}"})
with open("_harness_result.json", "w") as fh:
    fh.write(text)
if "exception" in out:
    sys.stderr.write(out.get("traceback", out["exception"]))
    sys.exit(1)
"""


def run_python(
    source: str,
    function: str | None = None,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    *,
    python: str | None = None,
    files: Files | None = None,
    limits: SandboxLimits | None = None,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    work_root: str | os.PathLike[str] | None = None,
    keep_workdir: bool = False,
    mode: str = "auto",
    allowed_imports: Collection[str] | None = None,
) -> SandboxResult:
    """Run Python ``source`` (saved as solution.py) in the sandbox.

    With ``function``, call it with JSON ``args``/``kwargs`` and return its JSON value in
    ``result.return_value`` (or the exception in ``result.exception``); without, run the source as
    a script with ``args`` as its command-line arguments.

    ``allowed_imports`` (only with ``function``): top-level modules that code in the work directory
    may import; any other ``import`` there raises ImportError (the standard library's own imports,
    and private ``_module`` helpers that allowed modules load, pass). A policy on top of the
    sandbox's isolation, which holds either way: check imports statically too."""
    if function is None and allowed_imports is not None:
        raise UserError("run_python: allowed_imports needs a function to call")
    chosen = capabilities().check_mode(mode)
    interpreter = python or _default_python(chosen)
    project: Files = {**(files or {}), "solution.py": source}
    if function is None:
        argv = [interpreter, "-E", "-s", "-B", "solution.py", *(str(a) for a in args)]
        return _run(argv, project, limits, env, stdin, work_root, keep_workdir, chosen, None)
    allowed = sorted(allowed_imports) if allowed_imports is not None else None
    try:
        spec = json.dumps(
            {
                "function": function,
                "args": list(args),
                "kwargs": kwargs or {},
                "allowed_imports": allowed,
            }
        )
    except (TypeError, ValueError) as exc:
        raise UserError(f"run_python arguments must be JSON-serializable: {exc}") from None
    project.update({"_harness_call.py": _CALLER, "_harness_call.json": spec})
    argv = [interpreter, "-E", "-s", "-B", "_harness_call.py"]
    return _run(argv, project, limits, env, stdin, work_root, keep_workdir, chosen, _RESULT_FILE)


def _default_python(mode: Mode) -> str:
    """The harness's own interpreter where the sandbox can reach it, else the system python3."""
    if mode == "bwrap" or not capabilities().root or _world_reachable(Path(sys.executable)):
        return sys.executable
    return find_tool("python3") or sys.executable


def _read_result(result: SandboxResult, path: Path, limit: int) -> None:
    try:
        if path.stat().st_size > limit:
            result.exception = f"return value larger than output_bytes ({limit})"
            return
        out = json.loads(path.read_bytes())
    except (OSError, ValueError):
        if result.exception is None and result.limit_hit is None:
            result.exception = "the function did not return (no result written)"
        return
    if not isinstance(out, dict):
        result.exception = "malformed result file"
        return
    result.return_value = out.get("value")
    result.exception = out.get("exception")


async def arun_command(command: list[str] | str, **kwargs: Any) -> SandboxResult:
    """:func:`run_command` for asyncio code: runs in a worker thread, the loop stays free."""
    import asyncio

    return await asyncio.to_thread(run_command, command, **kwargs)


async def arun_python(source: str, *args: Any, **kwargs: Any) -> SandboxResult:
    """:func:`run_python` for asyncio code."""
    import asyncio

    return await asyncio.to_thread(run_python, source, *args, **kwargs)
