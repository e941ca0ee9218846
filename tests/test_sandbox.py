"""harness.sandbox against real processes: each limit stops the abuse it is for, and says so.

A test needing bubblewrap or a toolchain skips locally when it is absent and fails under CI=true,
where .ci/run installs what the design needs."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
from pathlib import Path

import pytest

from harness.errors import UserError
from harness.sandbox import (
    SandboxLimits,
    arun_command,
    capabilities,
    find_tool,
    run_command,
    run_python,
)

SMALL = SandboxLimits(
    wall_seconds=10, cpu_seconds=5, memory_bytes=256 << 20, processes=64, output_bytes=64 << 10
)


def need(ok: object, reason: str) -> None:
    """Skip locally without ``ok``; under CI=true the machine must have it, so fail."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def _reachable(path: str | None) -> bool:
    return path is not None and all(
        os.stat(p).st_mode & 0o001 for p in [Path(path), *Path(path).parents]
    )


def small(**changes: object) -> SandboxLimits:
    return SMALL.model_copy(update=changes)


@pytest.fixture(params=["bwrap", "unshare"])
def mode(request: pytest.FixtureRequest) -> str:
    caps = capabilities()
    if request.param == "bwrap":
        need(caps.bwrap, "bubblewrap is not installed or not usable (apt-get install bubblewrap)")
    else:
        need(caps.unshare, "unshare cannot make a network+pid namespace here")
    return str(request.param)


# ------------------------------------------------------------------------- limits and bad input


@pytest.mark.parametrize(
    "field", ["wall_seconds", "cpu_seconds", "memory_bytes", "file_size_bytes", "processes"]
)
@pytest.mark.parametrize("value", [0, -1])
def test_limits_that_make_no_sense_are_user_errors(field: str, value: int) -> None:
    with pytest.raises(UserError, match=field):
        SandboxLimits(**{field: value})


def test_nan_limit_is_a_user_error() -> None:
    with pytest.raises(UserError, match="wall_seconds"):
        SandboxLimits(wall_seconds=float("nan"))


def test_missing_command_is_a_user_error_not_a_hang() -> None:
    with pytest.raises(UserError, match="not found: 'no-such-tool-xyz'"):
        run_command(["no-such-tool-xyz", "--help"])
    with pytest.raises(UserError, match="not found"):
        run_command(["./not-there"], files={"other.txt": ""})


def test_work_dir_that_cannot_be_created_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    with pytest.raises(UserError, match="cannot create a sandbox work directory"):
        run_command(["true"], work_root=blocker / "sub")


def test_bad_file_names_and_modes_are_user_errors() -> None:
    with pytest.raises(UserError, match="relative path"):
        run_command(["true"], files={"../escape.txt": "x"})
    with pytest.raises(UserError, match="unknown sandbox mode"):
        run_command(["true"], mode="docker")


# ------------------------------------------------------------------------- each limit, each mode


def test_fork_bomb_is_stopped_by_the_process_limit(mode: str) -> None:
    r = run_command(
        "bomb() { bomb | bomb & }; bomb; sleep 1", limits=small(processes=32), mode=mode
    )
    assert r.limit_hit == "processes", r
    assert r.wall_seconds < 5


def test_infinite_loop_is_stopped_by_cpu_time(mode: str) -> None:
    r = run_command("while :; do :; done", limits=small(cpu_seconds=1), mode=mode)
    assert r.limit_hit == "cpu_time", r
    assert 1 <= r.cpu_seconds < 3 and r.wall_seconds < 5


def test_sleeper_is_stopped_by_wall_time(mode: str) -> None:
    r = run_command(["sleep", "60"], limits=small(wall_seconds=0.5), mode=mode)
    assert r.limit_hit == "wall_time", r
    assert 0.5 <= r.wall_seconds < 3


def test_memory_hog_is_stopped_by_the_memory_limit(mode: str) -> None:
    hog = "chunks = [b'x' * (1 << 20) for _ in range(256)]\nprint('allocated', len(chunks))\n"
    r = run_python(hog, limits=small(memory_bytes=96 << 20), mode=mode)
    assert r.limit_hit == "memory", r
    assert "allocated" not in r.stdout


def test_large_file_write_is_stopped_by_the_file_size_limit(mode: str) -> None:
    limit = 10 << 20
    r = run_command(
        "dd if=/dev/zero of=big bs=1M count=100; ls -l big",
        limits=small(file_size_bytes=limit),
        mode=mode,
    )
    assert r.limit_hit == "file_size", r
    # Python ignores SIGXFSZ and sees EFBIG instead: the same limit, reported the same way.
    py = "open('big', 'wb').write(b'x' * (100 << 20))"
    r = run_python(py, limits=small(file_size_bytes=limit), mode=mode)
    assert r.limit_hit == "file_size", r
    assert "File too large" in r.stderr


def test_write_outside_the_work_dir_is_refused(mode: str, tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    r = run_command(
        f"echo pwned > {target}; echo pwned >> /etc/passwd; echo inside > ok.txt; cat ok.txt",
        limits=small(),
        mode=mode,
    )
    assert not target.exists()
    assert "pwned" not in Path("/etc/passwd").read_text()
    assert r.stdout.strip() == "inside"
    assert r.stderr.count("cannot create") == 2, r.stderr


def test_world_writable_dirs_are_read_only_under_bubblewrap(tmp_path: Path) -> None:
    need(capabilities().bwrap, "bubblewrap is not installed (apt-get install bubblewrap)")
    target = Path("/var/tmp") / f"harness-sandbox-escape-{tmp_path.name}"
    r = run_command(f"echo pwned > {target}", limits=small(), mode="bwrap")
    assert not target.exists()
    assert "Read-only file system" in r.stderr, r


def test_connection_to_a_server_outside_is_refused(mode: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    try:
        # The server is reachable from here, the test's own network namespace ...
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        client = (
            "import socket\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "print('connected')\n"
        )
        r = run_python(client, limits=small(), mode=mode)
    finally:
        server.close()
    # ... and not from the sandbox's own, empty one.
    assert r.exit_code != 0 and "connected" not in r.stdout, r
    assert "ConnectionRefusedError" in r.stderr or "unreachable" in r.stderr, r.stderr
    assert len(accepted) == 1


def test_parent_secrets_are_absent_in_the_child(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-test-parent-secret",
        "HF_TOKEN": "hf_parent_secret",
        "AWS_SECRET_ACCESS_KEY": "aws-parent-secret",
        "PLAIN_PARENT_VAR": "plain-parent-value",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    r = run_command(
        ["env"], env={"MY_TOKEN": "given-token", "ALLOWED_VAR": "given"}, limits=small(), mode=mode
    )
    assert r.ok, r
    for value in [*secrets.values(), "given-token"]:
        assert value not in r.stdout
    assert "ALLOWED_VAR=given" in r.stdout
    assert f"HOME={r.stdout.split('HOME=')[1].split()[0]}" in r.stdout


# ------------------------------------------------------------------------- results and API


def test_output_is_truncated_and_marked(mode: str) -> None:
    r = run_command(
        "head -c 100000 /dev/zero | tr '\\0' a; echo done >&2",
        limits=small(output_bytes=1000),
        mode=mode,
    )
    assert r.ok and r.stdout_truncated and not r.stderr_truncated
    assert r.stdout.startswith("a" * 1000) and r.stdout.endswith("[... truncated 99000 bytes]")
    assert r.stderr == "done\n"


def test_python_function_with_arguments(mode: str) -> None:
    source = "def add(a, b, scale=1):\n    return {'sum': (a + b) * scale}\n"
    r = run_python(source, "add", [2, 3], {"scale": 10}, limits=small(), mode=mode)
    assert r.ok and r.return_value == {"sum": 50}, r
    r = run_python("def boom():\n    raise ValueError('no')\n", "boom", limits=small(), mode=mode)
    assert r.exception == "ValueError: no" and not r.ok
    r = run_python("import sys\nprint(sys.argv[1:])", args=["x", 1], limits=small(), mode=mode)
    assert r.stdout.strip() == "['x', '1']"


def test_python_allowed_imports() -> None:
    """Only the listed top-level modules import from the work dir; what they import passes."""
    ok = "from fractions import Fraction\ndef f():\n    return float(Fraction(1, 4))\n"
    r = run_python(ok, "f", allowed_imports=["fractions"], limits=small())
    assert r.ok and r.return_value == 0.25, r  # fractions itself imports decimal, math, re
    for bad in ("import os\ndef f():\n    return 1\n", "def f():\n    return __import__('os')\n"):
        r = run_python(bad, "f", allowed_imports=["fractions"], limits=small())
        assert not r.ok and r.exception == "ImportError: import of 'os' is not allowed here", r
    with pytest.raises(UserError, match="needs a function"):
        run_python("print(1)", allowed_imports=["math"])


def test_stdin_keep_workdir_and_async(mode: str) -> None:
    r = run_command("cat > copy.txt; wc -c < copy.txt", stdin="hello", keep_workdir=True, mode=mode)
    try:
        assert r.stdout.strip() == "5" and r.workdir
        assert (Path(r.workdir) / "copy.txt").read_text() == "hello"
    finally:
        import shutil

        shutil.rmtree(str(r.workdir), ignore_errors=True)
    r = asyncio.run(arun_command(["echo", "async"], mode=mode))
    assert r.stdout == "async\n"


def test_unenforced_limits_are_reported() -> None:
    r = run_command(["true"], mode="unshare" if capabilities().unshare else "none")
    assert any(line.startswith("filesystem:") for line in r.unenforced)
    assert any(line.startswith("memory:") for line in r.unenforced)


# ------------------------------------------------------------------------- toolchains


C_PROJECT = {
    "util.h": "int add(int a, int b);\nint mul(int a, int b);\n",
    "util.c": '#include "util.h"\nint add(int a, int b) { return a + b; }\n'
    "int mul(int a, int b) { return a * b; }\n",
    "main.c": '#include <stdio.h>\n#include "util.h"\n'
    'int main(void) { printf("%d\\n", add(2, mul(3, 4))); return 0; }\n',
    "test_util.c": '#include <assert.h>\n#include <stdio.h>\n#include "util.h"\n'
    'int main(void) { assert(add(2, 3) == 5); assert(mul(3, 4) == 12); puts("2 passed");'
    " return 0; }\n",
}


def test_c_project_compiles_and_its_tests_run(mode: str) -> None:
    need(find_tool("gcc"), "gcc is not installed")
    r = run_command(
        "gcc -Wall -o app main.c util.c && gcc -o tests test_util.c util.c && ./tests && ./app",
        files=C_PROJECT,
        limits=small(wall_seconds=30, cpu_seconds=20),
        mode=mode,
    )
    assert r.ok, r
    assert r.stdout == "2 passed\n14\n"


def test_cpp_project_compiles(mode: str) -> None:
    need(find_tool("g++"), "g++ is not installed")
    files = {
        "shapes.hpp": "struct Square { int side; int area() const; };\n",
        "shapes.cpp": '#include "shapes.hpp"\nint Square::area() const { return side * side; }\n',
        "main.cpp": '#include <iostream>\n#include "shapes.hpp"\n'
        "int main() { std::cout << Square{7}.area() << std::endl; }\n",
    }
    r = run_command(
        "g++ -o app main.cpp shapes.cpp && ./app",
        files=files,
        limits=small(wall_seconds=30, cpu_seconds=20),
        mode=mode,
    )
    assert r.ok and r.stdout == "49\n", r


JAVA_PROJECT = {
    "src/app/Util.java": "package app;\npublic class Util {\n"
    "  public static int add(int a, int b) { return a + b; }\n}\n",
    "src/app/Main.java": "package app;\npublic class Main {\n"
    "  public static void main(String[] a) { System.out.println(Util.add(20, 22)); }\n}\n",
    "test/app/UtilTest.java": "package app;\npublic class UtilTest {\n"
    "  public static void main(String[] a) {\n"
    '    if (Util.add(2, 3) != 5) throw new AssertionError("add");\n'
    '    System.out.println("1 passed");\n  }\n}\n',
}


@pytest.mark.slow
def test_java_project_compiles_and_its_tests_run(mode: str) -> None:
    need(find_tool("javac") and find_tool("java"), "javac/java are not installed")
    r = run_command(
        "javac -d out src/app/*.java test/app/*.java && java -cp out app.UtilTest"
        " && java -cp out app.Main",
        files=JAVA_PROJECT,
        limits=small(wall_seconds=60, cpu_seconds=60, memory_bytes=2 << 30, processes=256),
        mode=mode,
    )
    assert r.ok, r
    assert r.stdout == "1 passed\n42\n"


def test_python_project_with_tests(mode: str) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/calc.py": "def double(x):\n    return 2 * x\n",
        "test_calc.py": "from pkg.calc import double\nassert double(21) == 42\nprint('ok')\n",
    }
    r = run_command([sys.executable, "test_calc.py"], files=files, limits=small(), mode=mode)
    assert r.ok and r.stdout == "ok\n", r


def test_node_project(mode: str) -> None:
    need(find_tool("node"), "node is not installed")
    files = {
        "lib.js": "exports.greet = (n) => `hello ${n}`;\n",
        "test.js": "const assert = require('assert');\nconst {greet} = require('./lib');\n"
        "assert.strictEqual(greet('x'), 'hello x');\nconsole.log('ok');\n",
    }
    r = run_command(["node", "test.js"], files=files, limits=small(memory_bytes=1 << 30), mode=mode)
    assert r.ok and r.stdout == "ok\n", r


def test_rust_project(mode: str) -> None:
    if not find_tool("rustc"):
        pytest.skip("rustc is not installed (optional toolchain)")
    if mode != "bwrap" and capabilities().root and not _reachable(find_tool("rustc")):
        pytest.skip("rustc lives under a directory the sandbox uid cannot enter (no bwrap binds)")
    files = {
        "main.rs": 'mod util;\nfn main() { assert_eq!(util::triple(2), 6); println!("ok"); }\n',
        "util.rs": "pub fn triple(x: i32) -> i32 { 3 * x }\n",
    }
    r = run_command(
        "rustc -o app main.rs && ./app",
        files=files,
        limits=small(wall_seconds=60, cpu_seconds=60, memory_bytes=1 << 30),
        mode=mode,
    )
    assert r.ok and r.stdout == "ok\n", r


def test_go_project(mode: str) -> None:
    need(find_tool("go"), "go is not installed (Debian's golang-go; .ci/run installs it)")
    files = {
        "go.mod": "module example.com/app\n\ngo 1.19\n",
        "util.go": "package main\n\nfunc half(x int) int { return x / 2 }\n",
        "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(half(84)) }\n',
    }
    r = run_command(
        "go build -o app . && ./app",
        files=files,
        limits=small(wall_seconds=120, cpu_seconds=120, memory_bytes=2 << 30, processes=256),
        mode=mode,
    )
    assert r.ok and r.stdout == "42\n", r


def test_php_script(mode: str) -> None:
    if not find_tool("php"):
        pytest.skip("php is not installed (optional toolchain)")
    files = {"lib.php": "<?php function sq($x) { return $x * $x; }\n",
             "main.php": "<?php require 'lib.php'; echo sq(9), \"\\n\";\n"}  # fmt: skip
    r = run_command(["php", "main.php"], files=files, limits=small(), mode=mode)
    assert r.ok and r.stdout == "81\n", r


def test_a_tool_under_a_closed_directory_is_unreachable_as_root_without_bwrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rustup's cargo under /root (mode 700) cannot run as the sandbox's unprivileged uid when
    there is no bubblewrap to bind it in; LoCoBench then calls the toolchain missing instead of
    scoring every Rust answer as a build failure."""
    import importlib

    from harness.sandbox.toolchains import sandbox_reaches

    caps_module = importlib.import_module("harness.sandbox.capabilities")

    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    tool = home / "bin" / "cargo"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    (home / "bin").chmod(0o755)
    tmp_path.chmod(0o755)
    real = caps_module.capabilities()
    as_root = real.model_copy(update={"root": True, "bwrap": None})
    monkeypatch.setattr(caps_module, "capabilities", lambda: as_root)
    home.chmod(0o755)
    open_ok = all(os.stat(p).st_mode & 0o001 for p in tool.parents)
    assert sandbox_reaches(str(tool)) is open_ok  # every directory above must be searchable
    home.chmod(0o700)
    assert sandbox_reaches(str(tool)) is False
    with_bwrap = real.model_copy(update={"root": True, "bwrap": "/usr/bin/bwrap"})
    monkeypatch.setattr(caps_module, "capabilities", lambda: with_bwrap)
    assert sandbox_reaches(str(tool)) is True
    home.chmod(0o755)
