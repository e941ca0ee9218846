"""Issue 27: every bad input a clear error, no hang, no duplicated work, no secret on disk.

Each test here failed on the code before its fix (the issue's defect number is in its name)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from harness_sanity.tasks import SanityTask

from harness.hookspecs import hookimpl

from .conftest import CLI, records

SCRIPTED = ["--model", "scripted/echo", "--no-progress"]


def _files(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def _one_error(proc: object, *needles: str) -> str:
    stderr: str = proc.stderr  # type: ignore[attr-defined]
    assert proc.returncode == 2, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("harness: error: "), stderr
    for needle in needles:
        assert needle in stderr, stderr
    return stderr


# ---------------------------------------------------------------------------- defect 1: cycles


@pytest.mark.parametrize(
    "files,cycle",
    [
        ({"a.yaml": "name: a\ntask: b\n", "b.yaml": "name: b\ntask: a\n"}, "a -> b -> a"),
        ({"a.yaml": "name: a\ntask: a\n"}, "a -> a"),
        (
            {"s.yaml": "name: s\nsuite: [sanity, t]\n", "t.yaml": "name: t\nsuite: [s]\n"},
            "s -> t -> s",
        ),
        ({"s.yaml": "name: s\nsuite: [sanity, s]\n"}, "s -> s"),
    ],
)
def test_defect1_a_cycle_of_task_files_is_one_error_naming_it(
    cli: CLI, tmp_path: Path, files: dict[str, str], cycle: str
) -> None:
    _files(tmp_path / "mine", files)
    first = sorted(files)[0].removesuffix(".yaml")
    proc = cli("run", first, "--tasks-path", "mine", *SCRIPTED, timeout=20)  # was: a hang
    _one_error(proc, "cycle", cycle)
    assert not (tmp_path / "runs").exists()


# ---------------------------------------------------------------------------- defect 6: suites


def test_defect6_a_users_suite_naming_an_unknown_task_names_suite_and_member(
    cli: CLI, tmp_path: Path
) -> None:
    _files(tmp_path / "mine", {"s.yaml": "name: s\nsuite: [sanity, sanity-tool]\n"})
    proc = cli("run", "s", "--tasks-path", "mine", *SCRIPTED, timeout=60)
    _one_error(proc, "suite 's'", "unknown task 'sanity-tool'", "s.yaml", "sanity-tools")
    proc = cli("list", "tasks", "--tasks-path", "mine", timeout=60)
    _one_error(proc, "suite 's'", "sanity-tool")


def test_defect6_a_nested_suite_runs_its_members(cli: CLI, tmp_path: Path) -> None:
    _files(tmp_path / "mine", {"outer.yaml": "name: outer\nsuite: [sanity-suite]\n"})
    proc = cli("run", "outer", "--tasks-path", "mine", "--limit", "1", "--out", "out", *SCRIPTED)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_defect6_two_task_files_with_one_name_is_an_error_naming_both(
    cli: CLI, tmp_path: Path
) -> None:
    _files(
        tmp_path / "mine",
        {"one.yaml": "name: x\ntask: sanity\n", "two.yaml": "name: x\ntask: sanity-tools\n"},
    )
    proc = cli("run", "x", "--tasks-path", "mine", *SCRIPTED, timeout=60)
    _one_error(proc, "one.yaml", "two.yaml", "'x'")


def test_defect6_a_plugin_suite_with_a_missing_member_names_it(cli: CLI) -> None:
    proc = cli("run", "sanity-suite", *SCRIPTED, env={"HARNESS_DISABLE_PLUGINS": "sanity"})
    if "unknown task 'sanity-suite'" not in proc.stderr:
        pytest.skip("sanity-suite is not a core suite needing the sanity plugin here")
    _one_error(proc, "suite 'sanity-suite'", "needs sanity")


# ---------------------------------------------------------------------------- defect 2: one writer


def _default_sigint() -> None:
    # a test suite started in the background (`nohup ... &`) inherits SIGINT ignored, and Python
    # then installs no KeyboardInterrupt handler: give the child the disposition a terminal has
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _harness(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _lines(journal: Path) -> int:
    return len(journal.read_text().splitlines()) if journal.exists() else 0


def test_defect2_a_second_writer_is_refused_and_kill_9_does_not_leave_the_lock(
    cli: CLI, tmp_path: Path
) -> None:
    slow = ["--model", "scripted/echo", "-M", "delay=0.3", "--max-concurrency", "1"]
    first = _harness(
        tmp_path, "run", "sanity", "--limit", "12", "--out", "out", *slow, "--no-progress"
    )
    _wait_for(
        lambda: any(_lines(j) >= 1 for j in (tmp_path / "out").glob("*/samples.jsonl")), "a record"
    )
    run_dir = next((tmp_path / "out").iterdir())
    # a resume while the run is being written: refused, naming the writer
    _one_error(
        cli("run", "--resume", str(run_dir), "--no-progress"), f"being written by pid {first.pid}"
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    # the kernel dropped the dead writer's lock: a resume takes it at once
    second = _harness(tmp_path, "run", "--resume", str(run_dir), "--no-progress")
    journal = run_dir / "samples.jsonl"
    before = _lines(journal)
    _wait_for(lambda: _lines(journal) > before, "the resume to write")
    # two resumes at once: the second is refused, so nothing runs twice
    _one_error(
        cli("run", "--resume", str(run_dir), "--no-progress"), f"being written by pid {second.pid}"
    )
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    recs = records(run_dir)
    assert len(recs) == 12 and len({r["sample_id"] for r in recs}) == 12


# ---------------------------------------------------------------------------- defect 5: typos


@pytest.mark.parametrize(
    "args,env,needles",
    [
        (["-G", "tempreature=0"], {}, ["-G tempreature", "Did you mean: temperature"]),
        (["-G", "max_tokens=-5"], {}, ["max_tokens"]),
        (["-G", "top_p=7"], {}, ["top_p"]),
        ([], {"HARNESS_PLUGINS": "sanityy"}, ["HARNESS_PLUGINS", "'sanityy'", "sanity"]),
        ([], {"HARNESS_DISABLE_PLUGINS": "nosuch"}, ["HARNESS_DISABLE_PLUGINS", "'nosuch'"]),
        (["--model", "scripted/ecoh"], {}, ["scripted model 'ecoh'", "Did you mean: echo"]),
        (["--limt", "3"], {}, ["unknown option --limt", "Did you mean: --limit"]),
        (["--subsett", "arith"], {}, ["unknown option --subsett", "--subset"]),
    ],
)
def test_defect5_typos_are_one_error_with_a_hint(
    cli: CLI, tmp_path: Path, args: list[str], env: dict[str, str], needles: list[str]
) -> None:
    base = ["run", "sanity", "--limit", "1", "--no-progress"]
    model = [] if "--model" in args else ["--model", "scripted/echo"]
    _one_error(cli(*base, *model, *args, env=env, timeout=60), *needles)
    assert not (tmp_path / "runs").exists()


def test_defect5_a_role_the_task_does_not_declare_is_refused_before_the_run(
    cli: CLI, tmp_path: Path
) -> None:
    proc = cli(
        "run", "userbench", "--limit", "1", "--out", "out", *SCRIPTED,
        "--model-role", "usr=scripted/echo",
    )  # fmt: skip
    _one_error(
        proc, "--model-role usr=...: task 'userbench' uses no role 'usr'", "Did you mean: user"
    )
    proc = cli("generate", "personabench", "--model-role", "generatr=scripted/echo", "--out", "o")
    _one_error(proc, "generator 'personabench' uses no role 'generatr'", "Did you mean: generator")
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()


class _Undeclared(SanityTask):
    """A task that does not declare its roles: only the after-run warning can catch a typo."""

    roles = None


class _UndeclaredPlugin:
    @hookimpl
    def register_tasks(self, register):  # type: ignore[no-untyped-def]
        register("undeclared-roles", _Undeclared, description="test")


def test_defect5_an_undeclared_task_warns_about_a_role_nothing_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.cli.main import main
    from harness.plugins import PluginManager, reset_manager, set_manager

    manager = PluginManager()
    manager.load_entry_points()
    manager.register_plugin(_UndeclaredPlugin(), "undeclared")
    manager.collect()
    set_manager(manager)
    try:
        code = main(
            ["run", "undeclared-roles", "--limit", "1", "--out", str(tmp_path / "out"),
             *SCRIPTED, "--model-role", "usr=scripted/echo"]
        )  # fmt: skip
    finally:
        reset_manager()
    assert code == 0
    assert "--model-role usr=... was not used" in capsys.readouterr().err


def test_defect5_resume_names_the_flags_it_would_ignore(cli: CLI, tmp_path: Path) -> None:
    cli("run", "sanity", "--limit", "2", "--out", "out", *SCRIPTED, check=True)
    run_dir = next((tmp_path / "out").iterdir())
    proc = cli("run", "--resume", str(run_dir), "--limit", "5", "--seed", "3", "-M", "x=1")
    _one_error(proc, "--limit", "--seed", "-M x", "does not take")
    cli("run", "--resume", str(run_dir), "--no-progress", check=True)


# ------------------------------------------------------------------------ defect 4: no traceback


def _finished_run(cli: CLI, tmp_path: Path, n: int = 3) -> Path:
    cli("run", "sanity", "--limit", str(n), "--out", "out", *SCRIPTED, check=True)
    return next((tmp_path / "out").iterdir())


def test_defect4_a_non_utf8_task_file_names_file_and_line(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"name: x\ntask: sanity\ndescription: caf\xe9\n")
    _one_error(cli("run", "x", "--tasks-path", "bad.yaml", *SCRIPTED), "bad.yaml, line 3", "UTF-8")


def test_defect4_a_non_utf8_journal_line_names_file_and_line(cli: CLI, tmp_path: Path) -> None:
    run_dir = _finished_run(cli, tmp_path)
    journal = run_dir / "samples.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b'{"sample_id": "\xff"}\n' + b"".join(lines[1:]))
    (run_dir / "results.json").unlink()
    for args in (["score", str(run_dir)], ["run", "--resume", str(run_dir), "--no-progress"]):
        _one_error(cli(*args), "samples.jsonl, line 2", "UTF-8")


def test_defect4_a_damaged_results_file_says_how_to_rebuild_it(cli: CLI, tmp_path: Path) -> None:
    run_dir = _finished_run(cli, tmp_path)
    (run_dir / "results.json").write_text('{"bad')
    _one_error(cli("show", str(run_dir)), "results.json", "--resume")


def test_defect4_out_under_or_at_a_regular_file(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    for out in ("afile", "afile/sub"):
        _one_error(cli("run", "sanity", "--limit", "1", "--out", out, *SCRIPTED), "--out")


def _in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from harness.cli.main import main

    code = main(argv)
    return code, capsys.readouterr().err


def test_defect4_a_read_only_filesystem_and_a_full_disk_are_one_error_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import os

    from harness.run import journal, lock

    monkeypatch.chdir(tmp_path)
    real_open = os.open

    def read_only(path: object, *args: object, **kw: object) -> int:
        if str(path).startswith(str(tmp_path)) or not str(path).startswith("/"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    def full(self: object, record: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "samples.jsonl")

    monkeypatch.setattr(journal.Journal, "append", full)
    code, err = _in_process(["run", "sanity", "--limit", "2", "--out", "out", *SCRIPTED], capsys)
    run_dir = next((tmp_path / "out").iterdir())
    assert code == 2 and "No space left on device" in err and "--resume" in err, err
    assert not (run_dir / "results.json").exists()  # nothing half-written
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lock.os, "open", read_only)
    code, err = _in_process(["run", "--resume", str(run_dir), "--no-progress"], capsys)
    assert code == 2 and "Read-only file system" in err and "Traceback" not in err, err


# --------------------------------------------------------------------------- defect 8: the journal


def _with_old_error(run_dir: Path) -> None:
    """The journal of a run whose first sample failed, then succeeded on --resume."""
    journal = run_dir / "samples.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    old = json.loads(lines[0])
    old.update(status="error", scores={}, error={"type": "ModelError", "message": "HTTP 500"})
    journal.write_text(json.dumps(old) + "\n" + "".join(lines))


def test_defect8_a_finished_resume_leaves_one_record_per_sample_and_epoch(
    cli: CLI, tmp_path: Path
) -> None:
    run_dir = _finished_run(cli, tmp_path)
    _with_old_error(run_dir)
    (run_dir / "results.json").unlink()
    cli("run", "--resume", str(run_dir), "--no-progress", check=True)
    recs = records(run_dir)
    assert len(recs) == 3 and all(r["status"] == "ok" for r in recs)


def test_defect8_score_says_which_lines_it_skipped_and_why(cli: CLI, tmp_path: Path) -> None:
    run_dir = _finished_run(cli, tmp_path)
    _with_old_error(run_dir)
    with (run_dir / "samples.jsonl").open("a") as fh:
        fh.write('{"sample_id": "torn')
    proc = cli("score", str(run_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["records"] == 3
    assert "2 lines skipped" in proc.stderr, proc.stderr
    assert "1 superseded" in proc.stderr and "line 5: an incomplete last line" in proc.stderr


# ---------------------------------------------------------------------------- interrupts


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupt_loses_nothing_and_resume_runs_only_what_is_missing(
    cli: CLI, tmp_path: Path, sig: signal.Signals
) -> None:
    """Ctrl-C, SIGTERM and kill -9 mid-run: every record written is whole, the lock is gone,
    and --resume finishes with one record per sample."""
    # 16 samples at 0.5 s, two at a time: 4 s of run, so the signal lands mid-run even when a
    # loaded machine delays this process's polling (at 0.2 s a run once finished first)
    slow = ["--model", "scripted/echo", "-M", "delay=0.5", "--max-concurrency", "2"]
    proc = _harness(tmp_path, "run", "sanity", "--limit", "16", "--out", "out", *slow)
    out = tmp_path / "out"
    _wait_for(lambda: any(_lines(j) >= 3 for j in out.glob("*/samples.jsonl")), "records")
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    run_dir = next((tmp_path / "out").iterdir())
    assert not (run_dir / "results.json").exists()
    before = {r["sample_id"] for r in records(run_dir)}
    assert 3 <= len(before) < 16
    cli("run", "--resume", str(run_dir), "--no-progress", check=True)
    recs = records(run_dir)
    assert len(recs) == 16 and len({r["sample_id"] for r in recs}) == 16


def test_defect5_a_misspelt_command_or_choice_gets_a_hint(cli: CLI) -> None:
    _one_error(cli("rn", "sanity"), "invalid choice: 'rn'", "Did you mean: run")
    _one_error(cli("list", "tsks"), "Did you mean: tasks")


def test_resume_knows_the_defaults_of_the_flags_it_refuses() -> None:
    """--resume compares each flag with its default; the table must match the parser's."""
    from harness.cli.commands import _RESUME_IGNORES
    from harness.cli.main import build_parser

    defaults = build_parser().parse_args(["run"])
    assert {d: v for d, (_, v) in _RESUME_IGNORES.items()} == {
        d: getattr(defaults, d) for d in _RESUME_IGNORES
    }
