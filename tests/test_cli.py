"""The real command line, in subprocesses: listings, schemas, runs, show, score, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from .conftest import CLI, only_run_dir, records

SCRIPTED = ["--model", "scripted/echo", "--no-progress"]


def test_help_and_version(cli: CLI) -> None:
    assert "run" in cli("--help", check=True).stdout
    assert cli("--version", check=True).stdout.startswith("harness ")


def test_per_plugin_help_lists_the_plugins_options(cli: CLI) -> None:
    out = cli("run", "sanity", "--help", check=True).stdout
    assert "options of sanity" in out and "--subset" in out and "--data-seed" in out


def test_list_every_kind(cli: CLI) -> None:
    for kind in ("tasks", "models", "metrics", "environments", "generators", "trainers"):
        proc = cli("list", kind, check=True)
        assert proc.stdout.strip()
    assert "sanity-tools" in cli("list", "tasks").stdout
    assert "llamacpp" in cli("list", "models").stdout


def test_schema_prints_json_schemas(cli: CLI, capsys: pytest.CaptureFixture[str]) -> None:
    names = cli("schema", check=True).stdout.split()
    assert {"run", "sample-record", "results", "trajectory", "task-file", "catalogue"} <= set(names)
    assert json.loads(cli("schema", "run", check=True).stdout)["type"] == "object"
    from harness.cli.main import main

    for name in names:  # the same command in this process: no interpreter start per schema
        assert main(["schema", name]) == 0
        schema = json.loads(capsys.readouterr().out)
        jsonschema.Draft202012Validator.check_schema(schema)


def test_task_file_schema_is_the_pydantic_model_and_judges_files_alike(cli: CLI) -> None:
    from harness.plugins.taskfile_model import TaskFile

    schema = json.loads(cli("schema", "task-file", check=True).stdout)
    assert schema["properties"].keys() == TaskFile.model_fields.keys()
    validator = jsonschema.Draft202012Validator(schema)
    good = [{"name": "a", "task": "sanity"}, {"name": "b", "suite": ["a"], "format_version": 1}]
    bad = [{"name": "c"}, {"name": "d", "task": "t", "suite": ["a"]}, {"name": "e", "x": 1}]
    for doc in good:
        assert validator.is_valid(doc) and TaskFile.model_validate(doc)
    for doc in bad:
        assert not validator.is_valid(doc)
        with pytest.raises(ValueError):
            TaskFile.model_validate(doc)


def test_run_show_and_score(cli: CLI, tmp_path: Path) -> None:
    proc = cli(
        "run", "sanity", "--limit", "4", "--out", "out", *SCRIPTED, "--epochs", "2", check=True
    )
    assert "exact_match" in proc.stdout and "pass^2" in proc.stdout
    run_dir = only_run_dir(tmp_path / "out")
    show = cli("show", str(run_dir), "--samples", check=True).stdout
    assert "exact_match" in show and "arith-000 (epoch 1): ok" in show
    shown = json.loads(cli("show", str(run_dir), "--json", check=True).stdout)
    scored = json.loads(cli("score", str(run_dir), "--json", check=True).stdout)
    assert scored["metrics"][0]["mean"] == shown["metrics"][0]["mean"]
    assert scored["records"] == 8
    # a bare JSONL needs --task
    jsonl = run_dir / "samples.jsonl"
    assert cli("score", str(jsonl)).returncode == 2
    bare = json.loads(cli("score", str(jsonl), "--task", "sanity", "--json", check=True).stdout)
    assert bare["metrics"][0]["n"] == 8


def test_score_rescores_edited_transcripts_without_a_model(cli: CLI, tmp_path: Path) -> None:
    cli("run", "sanity", "--limit", "2", "--out", "out", *SCRIPTED, check=True)
    run_dir = only_run_dir(tmp_path / "out")
    recs = records(run_dir)
    recs[0]["output"]["completion"] = str(recs[0]["target"])  # as if the model had been right
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(json.dumps(r) + "\n" for r in recs))
    out = json.loads(cli("score", str(edited), "--task", "sanity", "--json", check=True).stdout)
    assert out["metrics"][0]["mean"] == 0.5


@pytest.mark.parametrize(
    "args,needle",
    [
        (["run", "nosuchtask"], "unknown task"),
        (["run", "sanity", "--model", "nosuch/x"], "unknown model provider"),
        (["run", "sanity", "--model", "justaname"], "PROVIDER/NAME"),
        (["run", "sanity", "-T", "subset=everything"], "subset"),
        (["run", "sanity", "-T", "novalue"], "key=value"),
        (["run", "sanity", "-M", "bogus=1"], "unknown option 'bogus'"),
        (["run", "sanity", "--model-role", "user"], "ROLE=PROVIDER/NAME"),
        (["run", "sanity", "--model-role", "user#2=scripted/echo"], "ROLE=PROVIDER/NAME"),
        (
            ["run", "sanity", "--model-role", "user=scripted/a", "--model-role", "user=scripted/a"],
            "given twice",
        ),
        (["run", "sanity", "--epochs", "0"], "--epochs"),
        (["run", "sanity", "--limit", "0", "--model", "scripted/echo"], "--limit"),
        (["run", "--resume", "does-not-exist"], "no such run directory"),
        (["show", "does-not-exist"], "no such run directory"),
        (["list", "metrics", "--tasks-path", "nowhere.yaml"], "no such file"),
        (["schema", "nosuch"], "unknown schema"),
        (["train", "nosuch"], "unknown trainer"),
        (["generate", "nosuch"], "unknown generator"),
    ],
)
def test_bad_input_is_one_clear_message_and_exit_2(
    cli: CLI, tmp_path: Path, args: list[str], needle: str
) -> None:
    proc = cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_foreign_run_directory(cli: CLI, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "run.json").write_text('{"kind": "something-else"}')
    for args in (["show", str(foreign)], ["run", "--resume", str(foreign)]):
        proc = cli(*args)
        assert proc.returncode == 2 and "not an evaluation run" in proc.stderr


def test_task_files_from_tasks_path(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "short.yaml").write_text(
        "name: sanity-short\ndescription: Three string questions.\ntask: sanity-strings\n"
        "params: {n: 3}\n"
    )
    out = cli("list", "tasks", "--tasks-path", "mine", check=True).stdout
    assert "sanity-short" in out and "Three string questions." in out
    cli("run", "sanity-short", "--tasks-path", "mine", "--out", "out", *SCRIPTED, check=True)
    ids = [r["sample_id"] for r in records(only_run_dir(tmp_path / "out"))]
    assert sorted(ids) == ["str-000", "str-001", "str-002"]


@pytest.mark.parametrize(
    "text,needle",
    [
        ("name: x\ntask: [unclosed\n", "malformed YAML"),
        ("name: x\n", "exactly one of 'task' or 'suite'"),
        ("name: x\ntask: sanity\nbogus: 1\n", "unknown field 'bogus'"),
        ("name: x\nsuite: []\n", "at suite"),
        ("name: 'bad name'\ntask: sanity\n", "at name"),
        ("- just\n- a list\n", "invalid task file"),
        ("name: x\ntask: sanity\nparams: {subset: nope}\n", "subset"),
    ],
)
def test_bad_task_files(cli: CLI, tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    proc = cli("run", "x", "--tasks-path", "bad.yaml", *SCRIPTED)
    assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_suite_runs_each_task(cli: CLI, tmp_path: Path) -> None:
    cli("run", "sanity-suite", "--limit", "1", "--out", "out", *SCRIPTED, check=True)
    tasks = sorted(
        json.loads((d / "run.json").read_text())["config"]["task"]
        for d in (tmp_path / "out").iterdir()
    )
    assert tasks == ["sanity", "sanity-tools"]


def test_show_survives_a_torn_journal_of_an_unfinished_run(cli: CLI, tmp_path: Path) -> None:
    cli("run", "sanity", "--limit", "3", "--out", "out", *SCRIPTED, check=True)
    run_dir = only_run_dir(tmp_path / "out")
    (run_dir / "results.json").unlink()
    with (run_dir / "samples.jsonl").open("a") as fh:
        fh.write('{"sample_id": "torn", "sta')
    proc = cli("show", str(run_dir), check=True)
    assert "3 records" in proc.stdout.replace("\n", " ") or "3 records" in proc.stdout
    proc = cli("run", "--resume", str(run_dir), "--no-progress", check=True)
    assert len(records(run_dir)) == 3  # torn line cut, nothing re-run
    assert (run_dir / "results.json").exists()


def test_score_recovers_records_whose_scoring_had_failed(cli: CLI, tmp_path: Path) -> None:
    cli("run", "sanity", "--limit", "2", "--out", "out", *SCRIPTED, check=True)
    recs = records(only_run_dir(tmp_path / "out"))
    recs[0].update(
        status="error",
        scores={},
        error={"type": "KeyError", "message": "scorer bug", "traceback": None},
    )
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(json.dumps(r) + "\n" for r in recs))
    out = json.loads(cli("score", str(edited), "--task", "sanity", "--json", check=True).stdout)
    assert out["errors"] == 0 and out["metrics"][0]["n"] == 2


def test_a_repeated_model_role_names_further_members_of_that_role() -> None:
    from harness.cli.commands import _roles, check_declared_roles
    from harness.context import Roles
    from harness.errors import UserError

    specs = _roles(["reviewer=scripted/a", "user=scripted/u", "reviewer=scripted/b"])
    assert specs == {"reviewer": "scripted/a", "user": "scripted/u", "reviewer#2": "scripted/b"}
    specs = _roles([f"reviewer=scripted/m{i}" for i in range(11)])
    roles = Roles(object(), dict.fromkeys(specs, object()))  # type: ignore[arg-type]
    assert roles.members("reviewer") == ["reviewer", *(f"reviewer#{i}" for i in range(2, 12))]
    assert roles.members("user") == ["user"]

    class Owner:
        roles = ("reviewer",)

    check_declared_roles(Owner, "generator 'x'", {"reviewer": "a", "reviewer#2": "b"})
    with pytest.raises(UserError, match="uses no role 'judge'"):
        check_declared_roles(Owner, "generator 'x'", {"judge#2": "b"})
