"""The child's environment and the toolchains it can see.

The environment is built from an allow-list, never inherited: the harness process holds API keys
and tokens, and model-written code must not read them. On top of the allow-list, any variable
whose name looks like a secret (KEY, TOKEN, SECRET, PASSWORD, AUTH, ...) is dropped, even when a
plugin passes it explicitly.

Toolchains installed under a home directory (pyenv under /root, rustup's ~/.cargo and ~/.rustup)
are bound read-only into the sandbox while the rest of /root and /home is hidden; their writable
state (CARGO_HOME, GOPATH, GOCACHE, caches) goes into the work directory.

Shared caches: gcc, javac/java (the JDK's class-data archive ships read-only in the JDK), node,
python and rustc (the standard library comes precompiled with the toolchain) need none. Go builds
its standard library into GOCACHE since Go 1.20, so every fresh cache rebuilds it; `warm_go_cache`
fills one shared cache once, and each call gets a private GOCACHE seeded from it by hard links
(Go never rewrites a cache entry in place, it only adds files), so the shared copy stays read-only
to the child and a Go build starts warm.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SECRET_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|AUTH|CREDENTIAL|COOKIE|SESSION|PRIVATE|CERT", re.IGNORECASE
)
SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
HIDDEN_ROOTS = ["/root", "/home"]
PRIVATE_TMP = ["/tmp", "/dev/shm"]
TOOLS = ["python3", "gcc", "g++", "javac", "java", "node", "go", "rustc", "cargo", "php"]


def cache_root() -> Path:
    """Where shared, read-only toolchain caches live (HARNESS_SANDBOX_CACHE overrides)."""
    env = os.environ.get("HARNESS_SANDBOX_CACHE")
    return Path(env) if env else Path(os.path.expanduser("~")) / ".cache" / "harness" / "sandbox"


@functools.cache
def find_tool(name: str) -> str | None:
    """The tool's path on the harness's PATH, skipping pyenv-style shims (they need their
    manager's writable state); None if absent."""
    path = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if not d.endswith("/shims")
    )
    return shutil.which(name, path=path + os.pathsep + os.pathsep.join(SYSTEM_PATH))


def sandbox_reaches(path: str) -> bool:
    """Whether a sandboxed child can run the tool at ``path``. Under bubblewrap its directories
    are bound in, and a non-root caller's child keeps its uid; but a root caller without
    bubblewrap runs the child as an unprivileged uid, which needs every directory above the tool
    (and above what it links to, e.g. rustup's ``~/.cargo/bin`` under ``/root``) searchable."""
    from harness.sandbox.capabilities import capabilities

    caps = capabilities()
    if caps.bwrap or not caps.root:
        return True
    for p in {Path(path), Path(path).resolve()}:
        if not all(os.stat(q).st_mode & 0o001 for q in [p, *p.parents]):
            return False
    return True


def _rust_homes() -> dict[str, str]:
    home = os.path.expanduser("~")
    out = {}
    for var, default in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo")):
        path = os.environ.get(var) or os.path.join(home, default)
        if os.path.isdir(path):
            out[var] = path
    return out


@functools.cache
def toolchain_dirs() -> tuple[list[str], list[str]]:
    """(extra PATH entries, directories to bind read-only) for the toolchains found here."""
    path: list[str] = []
    binds: set[str] = {sys.base_prefix, sys.prefix}
    for name in TOOLS:
        found = find_tool(name)
        if not found:
            continue
        where = os.path.dirname(found)
        if where not in SYSTEM_PATH and where not in path:
            path.append(where)
        binds.add(where)
        binds.add(os.path.dirname(os.path.dirname(os.path.realpath(found))))
    binds.update(_rust_homes().values())
    # what the sandbox masks (home directories, and /tmp and /dev/shm, which get a private tmpfs)
    # must be bound back: a venv in /tmp (CI's) holds the interpreter run_python uses
    masked = [*HIDDEN_ROOTS, *PRIVATE_TMP]
    hidden = [b for b in binds if any(_under(b, r) for r in masked) and os.path.isdir(b)]
    minimal = [b for b in sorted(hidden) if not any(_under(b, o) and b != o for o in hidden)]
    return path, minimal


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def child_env(workdir: str, tmpdir: str, extra: dict[str, str] | None) -> dict[str, str]:
    """The allow-listed environment of a sandboxed call."""
    extra_path, _ = toolchain_dirs()
    env = {
        "PATH": os.pathsep.join(SYSTEM_PATH + extra_path),
        "HOME": workdir,
        "TMPDIR": tmpdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for var in ("JAVA_HOME", "GOROOT", "TZ"):
        if os.environ.get(var):
            env[var] = os.environ[var]
    if "RUSTUP_HOME" in (homes := _rust_homes()):
        env["RUSTUP_HOME"] = homes["RUSTUP_HOME"]
        env["CARGO_HOME"] = os.path.join(workdir, ".cargo")
        env["CARGO_NET_OFFLINE"] = "true"
    if find_tool("go"):
        env.update(
            GOCACHE=os.path.join(workdir, ".cache", "go-build"),
            GOPATH=os.path.join(workdir, ".go"),
            GOTOOLCHAIN="local",
            GOPROXY="off",
            GOFLAGS="-mod=mod",
            GOTELEMETRY="off",
        )
    env.update(extra or {})
    return {k: v for k, v in env.items() if not SECRET_NAME.search(k)}


def warm_go_cache() -> Path | None:
    """Build Go's standard library once into the shared cache; None when go is absent.

    This runs the trusted `go` itself (no model code), outside the sandbox."""
    go = find_tool("go")
    if not go:
        return None
    cache = cache_root() / "go-build"
    marker = cache / "harness-warm"
    if not marker.exists():
        cache.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cache_root()), "GOCACHE": str(cache)}
        subprocess.run([go, "build", "std"], env=env, check=True, capture_output=True)
        marker.touch()
    return cache


def seed_go_cache(workdir: Path, uid: int | None) -> None:
    """Give the call a private GOCACHE seeded from the shared one.

    As root, the entries are hard links to root-owned read-only files in directories the child
    owns: it can add entries and unlink its links, never change a shared file. Without root the
    child would own the links' files, so they are copied."""
    shared = cache_root() / "go-build"
    if not find_tool("go") or not (shared / "harness-warm").exists():
        return
    target = workdir / ".cache" / "go-build"
    copy = _link_or_copy if uid is not None else shutil.copy2
    shutil.copytree(shared, target, copy_function=copy, dirs_exist_ok=True)
    if uid is not None:
        for d in [workdir / ".cache", target, *(p for p in target.rglob("*") if p.is_dir())]:
            os.chown(d, uid, uid)


def _link_or_copy(src: str, dst: str) -> None:
    os.chmod(src, 0o444)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
