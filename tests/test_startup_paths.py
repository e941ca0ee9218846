"""What start-up reads instead of importlib.metadata and PyYAML: the entry-point scan and the
cache of installed plugins' task files."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from harness.plugins.entrypoints import _scan, entry_points
from harness.plugins.taskfiles import load_task_file


def test_the_scan_finds_what_importlib_metadata_finds_in_this_environment() -> None:
    for group in ("harness", "console_scripts", "pytest11"):
        ours = sorted((e.name, e.value.split(" [")[0]) for e in entry_points(group))
        theirs = sorted(
            (e.name, e.value.split(" [")[0]) for e in metadata.entry_points(group=group)
        )
        assert ours == theirs, group
    versions = {e.distribution: e.version for e in entry_points("harness")}
    for ep in metadata.entry_points(group="harness"):
        assert ep.dist is not None and versions[ep.dist.name] == ep.dist.version


def _dist(root: Path, dirname: str, entry_points_txt: str | None, pkg_info: str | None) -> None:
    d = root / dirname
    d.mkdir(parents=True)
    (d / ("PKG-INFO" if dirname.endswith("egg-info") else "METADATA")).write_text(
        pkg_info or "Metadata-Version: 2.1\nName: x\n\n"
    )
    if entry_points_txt is not None:
        (d / "entry_points.txt").write_text(entry_points_txt)


def test_the_scan_reads_dist_and_egg_info_and_the_first_of_a_name_wins(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _dist(a, "my_plugin-1.2.0.dist-info", "[harness]\nmine = my_plugin.hooks [extra]\n", None)
    _dist(a, "other-0.1.dist-info", "[console_scripts]\nother = other:main\n", None)
    _dist(a, "legacy.egg-info", "[harness]\nlegacy = legacy:plugin\n", "Version: 3.0\n\n")
    _dist(b, "my_plugin-9.9.dist-info", "[harness]\nshadowed = my_plugin.old\n", None)
    _dist(a, "no_entry_points-1.0.dist-info", None, None)
    found = {e.name: e for e in _scan([str(a), str(b), str(tmp_path / "missing")], "harness")}
    assert set(found) == {"mine", "legacy"}
    assert found["mine"].value == "my_plugin.hooks" and found["mine"].version == "1.2.0"
    assert found["mine"].distribution == "my-plugin"
    assert found["legacy"].version == "3.0" and found["legacy"].load is not None


def test_an_entry_point_loads_module_and_attribute() -> None:
    from harness.plugins.entrypoints import EntryPoint

    assert EntryPoint("p", "os.path:join", None, None).load() is os.path.join
    assert EntryPoint("p", "os.path", None, None).load() is os.path


def test_plugin_task_files_are_parsed_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "t.yaml"
    f.write_text("name: first\ntask: sanity\nparams: {n: 3}\n")
    assert load_task_file(f, strict=False).params == {"n": 3}
    assert (tmp_path / "cache" / "task-files.json").is_file()
    # a second process reads the cache and never imports PyYAML
    code = (
        "import sys; from pathlib import Path; from harness.plugins.taskfiles import "
        f"load_task_file; d = load_task_file(Path({str(f)!r}), strict=False); "
        "print(d.name, 'yaml' in sys.modules)"
    )
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["first", "False"], out.stderr
    # an edited file is parsed again (size and modification time are the key)
    f.write_text("name: second-name\ntask: sanity\n")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    assert load_task_file(f, strict=False).name == "second-name"
    # keys JSON would turn into strings are never cached, and bad YAML is still an error
    f.write_text("name: ints\nparams: {1: one}\n")
    assert load_task_file(f, strict=False).params == {1: "one"}
    assert load_task_file(f, strict=False).params == {1: "one"}
    f.write_text("name: [unclosed\n")
    with pytest.raises(Exception, match="malformed YAML"):
        load_task_file(f, strict=False)


def test_an_unwritable_cache_costs_only_a_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(blocker / "cache"))
    f = tmp_path / "t.yaml"
    f.write_text("name: fine\ntask: sanity\n")
    assert load_task_file(f, strict=False).name == "fine"
