"""Plugin discovery through real entry points (dist-info folders put on sys.path)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.errors import UserError
from harness.hookspecs import hookimpl
from harness.plugins.manager import PluginManager
from harness.plugins.registry import DuplicateNameError


def make_dist(root: Path, dist: str, ep_name: str, module: str, code: str) -> None:
    """A minimal installed distribution: a module and a dist-info with its entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(code))
    info = root / f"{dist.replace('-', '_')}-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[harness]\n{ep_name} = {module}\n")


GOOD = """
from harness.hookspecs import hookimpl

@hookimpl
def register_metrics(register):
    register("extra_metric", "harness.metric:Includes", description="A metric from a plugin.")
"""


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    return {"PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_a_plugin_that_fails_to_import_is_listed_with_its_error(tmp_path: Path, cli) -> None:
    make_dist(tmp_path, "broken-plugin", "broken", "broken_mod", "raise RuntimeError('kaput')\n")
    make_dist(tmp_path, "good-plugin", "good", "good_mod", GOOD)
    proc = cli("plugins", "--json", env=_env(tmp_path), check=True)
    data = {p["name"]: p for p in json.loads(proc.stdout)["installed"]}
    assert "RuntimeError: kaput" in data["broken"]["error"]
    assert data["good"]["registered"] == {"metrics": ["extra_metric"]}
    assert data["good"]["distribution"] == "good-plugin" and data["good"]["version"] == "0.3"
    # the rest still works
    proc = cli("list", "metrics", env=_env(tmp_path), check=True)
    assert "extra_metric" in proc.stdout and "exact_match" in proc.stdout


def test_two_plugins_registering_one_name_is_an_error_naming_both(tmp_path: Path, cli) -> None:
    make_dist(tmp_path, "first-plugin", "first", "first_mod", GOOD)
    make_dist(tmp_path, "second-plugin", "second", "second_mod", GOOD)
    proc = cli("list", "metrics", env=_env(tmp_path))
    assert proc.returncode == 2
    assert "'first'" in proc.stderr and "'second'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_disabling_a_plugin_by_environment_variable(tmp_path: Path, cli) -> None:
    make_dist(tmp_path, "good-plugin", "good", "good_mod", GOOD)
    env = {**_env(tmp_path), "HARNESS_DISABLE_PLUGINS": "good"}
    proc = cli("list", "metrics", env=env, check=True)
    assert "extra_metric" not in proc.stdout


class _Dup:
    @hookimpl
    def register_tasks(self, register):  # type: ignore[no-untyped-def]
        register("sanity", "harness_sanity.tasks:SanityTask", description="dup")


def test_duplicate_registration_in_process() -> None:
    pm = PluginManager()
    pm.load_entry_points()
    pm.register_plugin(_Dup(), "dup-plugin")
    with pytest.raises(DuplicateNameError, match="dup-plugin"):
        pm.collect()


def test_unknown_names_get_did_you_mean() -> None:
    pm = PluginManager()
    pm.load_entry_points()
    pm.collect()
    with pytest.raises(UserError, match="Did you mean: exact_match"):
        pm.registry("metrics").get("exact_mach")
    with pytest.raises(UserError, match="Did you mean: sanity"):
        pm.registry("tasks").get("santy")


def test_catalogue_validates_and_lists_uninstalled_plugins(cli) -> None:
    from harness.plugins.catalogue import load_catalogue

    names = {c["name"] for c in load_catalogue()}
    assert {"sanity", "spectool", "userbench", "apigen-mt", "actionstudio"} <= names
    proc = cli("plugins", "--available", "--json", check=True)
    available = {c["name"] for c in json.loads(proc.stdout)["available"]}
    assert "sanity" not in available  # installed
    # available = the catalogue minus what is installed (whichever plugins this venv has)
    from importlib.metadata import entry_points

    installed = {ep.name for ep in entry_points(group="harness")}
    assert available == names - installed


def test_bad_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    from harness.plugins.catalogue import load_catalogue

    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"format_version": 1, "plugins": [{"name": "x"}]}))
    with pytest.raises(UserError, match="invalid"):
        load_catalogue(bad)


JOBS = """
import json
from pydantic import BaseModel, ConfigDict, Field
from harness.hookspecs import hookimpl
from harness.jobs import Generator, Trainer
from harness.schemas import Message


class Opts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(default=2, description="How many lines.")


class Lines(Generator):
    name = "lines"
    description = "Writes COUNT model replies."
    Options = Opts

    async def generate(self, ctx):
        out = ctx.out_dir / "data.jsonl"
        with out.open("w") as fh:
            for i in range(self.options.count):
                r = await ctx.role("generator").generate([Message(role="user", content=f"q{i}")])
                fh.write(json.dumps({"i": i, "text": r.text}) + "\\n")
        ctx.log("wrote", n=self.options.count)
        return {"written": self.options.count}


class Count(Trainer):
    name = "count"
    description = "Counts lines of a file (a stand-in trainer for the CLI test)."

    def train(self, ctx):
        (ctx.out_dir / "checkpoint.txt").write_text("ok")
        return {"steps": 1}


@hookimpl
def register_generators(register):
    register("lines", Lines)


@hookimpl
def register_trainers(register):
    register("count", Count)
"""


def test_generate_and_train_write_their_own_run_directories(tmp_path: Path, cli) -> None:
    make_dist(tmp_path, "jobs-plugin", "jobs", "jobs_mod", JOBS)
    env = _env(tmp_path)
    help_text = cli("generate", "lines", "--help", env=env, check=True).stdout
    assert "--count" in help_text and "How many lines." in help_text
    cli(
        "generate",
        "lines",
        "--count",
        "3",
        "--model",
        "scripted/x",
        "-M",
        'responses=["hi"]',
        "--out",
        "out",
        env=env,
        check=True,
    )
    [run_dir] = list((tmp_path / "out").iterdir())
    job = json.loads((run_dir / "run.json").read_text())
    assert job["kind"] == "generate" and job["status"] == "finished"
    assert job["params"] == {"count": 3} and job["summary"] == {"written": 3}
    lines = (run_dir / "data.jsonl").read_text().splitlines()
    assert [json.loads(x)["text"] for x in lines] == ["hi", "hi", "hi"]
    assert "wrote" in (run_dir / "log.jsonl").read_text()
    proc = cli("generate", "lines", "--count", "x", env=env)
    assert proc.returncode == 2 and "count" in proc.stderr
    cli("train", "count", "--out", "tout", env=env, check=True)
    [tdir] = list((tmp_path / "tout").iterdir())
    assert json.loads((tdir / "run.json").read_text())["kind"] == "train"
    assert (tdir / "checkpoint.txt").read_text() == "ok"


WRONG_KIND = """
from harness.hookspecs import hookimpl
from harness.metric import Includes

class NotATask:
    pass

@hookimpl
def register_metrics(register):
    register("wrongkind_metric", Includes(), description="fine on its own")

@hookimpl
def register_tasks(register):
    register("wrongkind_task", NotATask, description="not a Task")
"""


def test_a_plugin_registering_the_wrong_kind_is_listed_and_skipped_whole(
    tmp_path: Path, cli
) -> None:
    make_dist(tmp_path, "wrong-plugin", "wrong", "wrong_mod", WRONG_KIND)
    proc = cli("plugins", "--json", env=_env(tmp_path), check=True)
    data = {p["name"]: p for p in json.loads(proc.stdout)["installed"]}
    error = data["wrong"]["error"]
    assert "task 'wrongkind_task' from plugin 'wrong'" in error
    assert "is NotATask, not a harness.task.Task subclass" in error
    assert data["wrong"]["registered"] == {}  # its valid metric went with it
    metrics = cli("list", "metrics", env=_env(tmp_path), check=True).stdout
    assert "wrongkind_metric" not in metrics and "exact_match" in metrics


class _LazyWrongKind:
    @hookimpl
    def register_environments(self, register):  # type: ignore[no-untyped-def]
        register("lazy-env", "harness.metric:ExactMatch", description="a metric, not an env")


def test_a_lazy_target_of_the_wrong_kind_is_a_clear_error_when_loaded() -> None:
    pm = PluginManager()
    pm.load_entry_points()
    pm.register_plugin(_LazyWrongKind(), "lazy-plugin")
    pm.collect()  # a lazy string is not imported at start-up
    with pytest.raises(UserError) as info:
        pm.registry("environments").get("lazy-env")
    message = str(info.value)
    assert "environment 'lazy-env' from plugin 'lazy-plugin'" in message
    assert "is ExactMatch, not a harness.environment.Environment subclass" in message
