"""Install the core, the sanity plugin and the template plugin into a throwaway venv, offline
(--no-index --no-build-isolation), run them, then uninstall plugins and check nothing breaks."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _requirements(dist: str, seen: set[str]) -> None:
    """The distributions ``dist`` needs (no extras), recursively."""
    from packaging.requirements import Requirement

    for text in metadata.requires(dist) or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = req.name
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        _requirements(name, seen)


def _dependency_dir(target: Path) -> Path:
    """Symlinks to the installed third-party dependencies of the core (never the core itself or
    any plugin), so a throwaway venv can import them without a network."""
    target.mkdir()
    # the projects need setuptools >= 77 (PEP 639 licence strings), newer than the one a fresh
    # venv brings, so the test environment's own comes along (with wheel and packaging); pytest
    # runs the template's own tests there
    names: set[str] = {"setuptools", "wheel", "packaging", "pytest"}
    for root in ("agentharness", "pytest"):
        _requirements(root, names)
    for name in names:
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in tops:
            src = Path(str(dist.locate_file(top)))
            if top.endswith(".pth") or top == ".." or not src.exists():
                continue
            link = target / top
            if not link.exists():
                link.symlink_to(src)
    return target


def _run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc  # type: ignore[no-any-return]


@pytest.mark.slow
def test_template_and_sanity_plugins_install_run_and_uninstall(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(
        _run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # the venv's bundled setuptools is too old for the projects: use the test environment's
    _run([str(py), "-m", "pip", "uninstall", "-y", "-q", "setuptools"])
    deps = _dependency_dir(tmp_path / "deps")
    (site / "zz_harness_test_deps.pth").write_text(str(deps) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip = [
        str(py),
        "-m",
        "pip",
        "install",
        "--no-index",
        "--no-build-isolation",
        "--no-deps",
        "--quiet",
    ]
    # build and install from copies so the source tree gets no build/ folders
    for src in (ROOT, ROOT / "plugins" / "sanity", ROOT / "templates" / "plugin"):
        _run([*pip, str(src)], env=env, cwd=tmp_path)
    harness = [str(py), "-m", "harness"]

    listing = json.loads(_run([*harness, "plugins", "--json"], env=env, cwd=tmp_path).stdout)
    names = {p["name"] for p in listing["installed"]}
    assert {"core", "sanity", "myplugin"} <= names
    assert all(p["error"] is None for p in listing["installed"])

    # the template's own tests pass in that venv, with the core's pytest plugin
    tests = _run(
        [
            str(py),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(ROOT / "templates" / "plugin" / "tests"),
        ],
        env=env,
        cwd=tmp_path,
    )
    assert "3 passed" in tests.stdout
    out = _run(
        [
            *harness,
            "run",
            "myplugin-capitals",
            "--model",
            "scripted/x",
            "-M",
            'responses=["Paris"]',
            "--no-progress",
            "--out",
            "runs",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert "starts_with_target" in out.stdout

    # uninstall the sanity plugin: gone from every listing, nothing else breaks
    _run([str(py), "-m", "pip", "uninstall", "-y", "-q", "agentharness-sanity"], env=env)
    listing = json.loads(_run([*harness, "plugins", "--json"], env=env, cwd=tmp_path).stdout)
    assert "sanity" not in {p["name"] for p in listing["installed"]}
    for kind in ("tasks", "environments", "metrics"):
        out = _run([*harness, "list", kind], env=env, cwd=tmp_path).stdout
        assert "sanity" not in out, out
    avail = json.loads(
        _run([*harness, "plugins", "--available", "--json"], env=env, cwd=tmp_path).stdout
    )["available"]
    assert "sanity" in {c["name"] for c in avail}
    # the template plugin still runs
    _run(
        [
            *harness,
            "run",
            "myplugin-capitals",
            "--model",
            "scripted/x",
            "--no-progress",
            "--out",
            "runs",
            "--limit",
            "1",
        ],
        env=env,
        cwd=tmp_path,
    )
    # the core's suite that names the missing plugin is skipped, with the reason
    core = next(p for p in listing["installed"] if p["name"] == "core")
    assert core["skipped"] == ["suite sanity-suite: needs sanity, sanity-tools"]
    proc = subprocess.run(
        [*harness, "run", "sanity-suite", "--model", "scripted/x"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "unknown task 'sanity-suite'" in proc.stderr
    assert "suite 'sanity-suite' of plugin 'core' needs sanity, sanity-tools" in proc.stderr
    _run([str(py), "-m", "pip", "uninstall", "-y", "-q", "harness-myplugin"], env=env)
    listing = json.loads(_run([*harness, "plugins", "--json"], env=env, cwd=tmp_path).stdout)
    assert {p["name"] for p in listing["installed"]} == {"core"}
