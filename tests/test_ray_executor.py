"""``harness run`` and ``harness generate`` with ``--executor ray`` on a real local Ray cluster
(one for the whole module, started once): two worker processes on 127.0.0.1, usage statistics and
the dashboard off. A Ray run's records, seeds, metrics and resume equal a local run's, and so do a
Ray generate job's items and files; a worker killed mid-run loses and duplicates nothing; an
unreachable address and a plugin the workers lack are each one clear error before anything is
written. Every test that can runs in this process (no CLI start-up) and the workloads are the
smallest that still show what they prove: the module must fit CI's budget."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.plugins.manager import get_manager, reset_manager
from harness.plugins.taskfiles import resolve_task
from harness.run.ray_exec import RayExecutor
from harness.run.runner import Runner, derive_seed
from harness.schemas import RunConfig

from .conftest import records

ray = pytest.importorskip("ray", reason="the ray extra is not installed")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Any:
    """A local cluster for this module: 2 CPUs (two worker actors), loopback only."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    import logging

    for attempt in (1, 2):
        try:
            ray.init(
                num_cpus=2,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
            break
        except Exception as exc:
            # Ray gives its raylet a fixed 30 s to register; on a busy machine its Python agents
            # can take longer to start. Once more, then fail.
            ray.shutdown()
            if attempt == 2 or "timed out during startup" not in str(exc):
                raise
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _answers() -> dict[str, str]:
    """A scripted agent right on every other sanity sample (its known error rate)."""
    reset_manager()
    task = resolve_task("sanity", {}, get_manager())
    out = {}
    for i, s in enumerate(task.samples()):
        out[str(s.input)] = str(s.target) if i % 2 == 0 else "wrong"
    return out


def _config(limit: int = 8, epochs: int = 2, **model_args: Any) -> RunConfig:
    return RunConfig(
        task="sanity",
        model="scripted/agent",
        model_args={"answers": _answers(), **model_args},
        limit=limit,
        epochs=epochs,
        seed=11,
        max_concurrency=4,
    )


def _comparable(run_dir: Path) -> dict[tuple[str, int], tuple[Any, ...]]:
    out = {}
    for r in records(run_dir):
        key = (r["sample_id"], r["epoch"])
        assert key not in out, f"duplicated record {key}"
        scores = {k: v["value"] for k, v in r["scores"].items()}
        out[key] = (r["status"], r["output"], scores, r["seed"], r["usage"], r["model_calls"])
    return out


def _metrics(run_dir: Path) -> Any:
    res = json.loads((run_dir / "results.json").read_text())
    return res["metrics"], res["records"]


def _run_with_a_worker_killed(executor: Any, start: Any, base: Path, pattern: str, at: int) -> Any:
    """Run ``start()`` in a thread; SIGKILL a busy worker once ``at`` lines are journaled."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = start()
        except BaseException as exc:
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        journals = list(base.glob(pattern)) if base.exists() else []
        if journals and len(journals[0].read_text().splitlines()) >= at:
            break
        time.sleep(0.02)
    victim = max(executor.pool, key=lambda w: w.in_flight)
    assert victim.in_flight > 0
    os.kill(victim.pid, signal.SIGKILL)
    t.join(180)
    assert "error" not in out, out.get("error")
    return out["result"]


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(cluster: str, tmp_path: Path) -> None:
    """Ray run with a worker killed mid-run equals a local run: every (sample, epoch) once, the
    same records, per-sample seeds and metrics."""
    cfg = _config(limit=6, epochs=2, delay=0.3)
    executor = RayExecutor(workers=2)
    run_dir, _ = _run_with_a_worker_killed(
        executor,
        lambda: Runner(cfg, tmp_path / "ray", executor=executor).run(),
        tmp_path / "ray",
        "*/samples.jsonl",
        2,
    )
    recs = _comparable(run_dir)  # asserts no duplicate
    assert len(recs) == 12 and all(r[0] == "ok" for r in recs.values())  # 0 lost
    assert executor.retried >= 1  # the killed worker's samples were sent again
    assert not executor.pool  # the workers were stopped; the module's cluster was left running
    for (sid, epoch), rec in recs.items():
        assert rec[3] == derive_seed(11, sid, epoch)
    local_dir, _ = Runner(cfg, tmp_path / "local").run()
    assert recs == _comparable(local_dir)
    metrics, n = _metrics(run_dir)
    assert (metrics, n) == _metrics(local_dir)
    exact = next(m for m in metrics if m["name"] == "exact_match")
    assert 0.3 < exact["mean"] < 0.7  # the agent's known error rate shows


def test_rpm_is_one_budget_across_the_workers(cluster: str, tmp_path: Path) -> None:
    """-M rpm=240 with two workers: 12 calls take about 1.75 s (one budget: 5 at once, one
    second of burst, then one every 0.25 s), not the ~0.25 s two per-worker budgets would give."""
    cfg = _config(limit=12, epochs=1, rpm=240)
    run_dir, _ = Runner(cfg, tmp_path / "ray", executor=RayExecutor(workers=2)).run()
    recs = records(run_dir)
    assert len(recs) == 12 and all(r["status"] == "ok" for r in recs)
    first = min(r["timing"]["started"] for r in recs)
    last = max(r["timing"]["started"] + r["timing"]["total"] for r in recs)
    assert last - first >= 1.2, last - first


def _cli(args: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        **kw,
    )


def test_driver_killed_then_resume_on_ray_matches_a_local_run(cluster: str, tmp_path: Path) -> None:
    answers = json.dumps(_answers())
    args = ["run", "sanity", "--limit", "10", "--seed", "4", "--no-progress"]
    args += ["--model", "scripted/agent", "-M", f"answers={answers}", "-M", "delay=0.3"]
    ray_args = ["--executor", "ray", "--ray-address", cluster]
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", *args, *ray_args, "--out", "killed"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    journal = None
    while time.monotonic() < deadline and proc.poll() is None:
        found = list((tmp_path / "killed").glob("*/samples.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 3:
            journal = found[0]
            break
        time.sleep(0.05)
    assert journal is not None, "the run finished or wrote nothing before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_dir = journal.parent
    before = len(records(run_dir))
    assert 3 <= before < 10 and not (run_dir / "results.json").exists()
    from harness.run.results import load_run_file

    # resumed in this process (the CLI's --resume --executor ray is this call; the generate test
    # below goes through the CLI)
    stored = load_run_file(run_dir).config
    Runner(stored, run_dir.parent, executor=RayExecutor(address=cluster)).resume(run_dir)
    cfg = RunConfig(
        task="sanity",
        model="scripted/agent",
        model_args={"answers": _answers(), "delay": 0.3},
        limit=10,
        seed=4,
    )
    straight_dir, _ = Runner(cfg, tmp_path / "straight").run()
    assert _comparable(run_dir) == _comparable(straight_dir)  # none lost, none duplicated
    assert _metrics(run_dir) == _metrics(straight_dir)


RUN_ECHO = ["run", "sanity", "--model", "scripted/echo", "--executor", "ray"]


def test_an_unreachable_address_is_one_error_and_writes_nothing(tmp_path: Path) -> None:
    proc = _cli(
        [*RUN_ECHO, "--ray-address", "127.0.0.1:9", "--out", "runs"],
        tmp_path,
    )
    assert proc.returncode != 0
    assert "--ray-address 127.0.0.1:9: no Ray cluster answers there" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()


def test_a_plugin_the_workers_cannot_import_fails_the_run_at_start(
    cluster: str, tmp_path: Path
) -> None:
    """The plugin is on the driver's path only (as on a node where it was not installed)."""
    site = tmp_path / "driver-only"
    (site / "rayfake-0.1.dist-info").mkdir(parents=True)
    (site / "rayfake-0.1.dist-info" / "entry_points.txt").write_text(
        "[harness]\nrayfake = rayfake_plugin\n"
    )
    (site / "rayfake_plugin.py").write_text(
        textwrap.dedent(
            """
            from harness.hookspecs import hookimpl

            @hookimpl
            def register_models(register):
                register("fakeprov", "harness.backends.scripted.model:ScriptedModel",
                         description="a scripted model under another provider name")
            """
        )
    )
    import importlib

    from harness.errors import UserError

    cfg = RunConfig(task="sanity", model="fakeprov/echo", limit=2)
    sys.path.insert(0, str(site))  # this process only: the workers started without it
    importlib.invalidate_caches()
    reset_manager()
    try:
        with pytest.raises(UserError) as err:
            Runner(cfg, tmp_path / "runs", executor=RayExecutor(workers=1)).run()
    finally:
        sys.path.remove(str(site))
        reset_manager()
    assert "plugin 'rayfake' (rayfake) is not installed on this Ray worker" in str(err.value)
    assert not (tmp_path / "runs").exists()


def test_the_embedded_model_runs_in_a_ray_worker(cluster: str, tmp_path: Path) -> None:
    """The embedded engine loaded and run inside a worker actor (its equality with a local run is
    the scripted tests' job: one embedded run here keeps the module inside CI's budget)."""
    pytest.importorskip("llama_cpp", reason="the embedded extra is not installed")
    cfg = RunConfig(
        task="sanity",
        task_params={"max_tokens": 8},  # the task's own cap on a reply (-T max_tokens=8)
        model="llamacpp/smollm2",
        limit=1,
        seed=3,
        max_concurrency=1,
    )
    ray_dir, result = Runner(cfg, tmp_path / "ray", executor=RayExecutor(workers=1)).run()
    (rec,) = records(ray_dir)
    assert rec["status"] == "ok", rec["error"]
    assert rec["seed"] == derive_seed(3, rec["sample_id"], 0)
    assert rec["model_calls"] >= 1 and 0 < rec["usage"]["output_tokens"] <= 8
    assert result.records == 1 and (ray_dir / "results.json").exists()


# ---------------------------------------------------------------------------- harness generate


def _diagnostics(limit: int) -> Any:
    """rl-diagnostics (the RL plugin's item generator: one item per rollout) on sanity."""
    pytest.importorskip("harness_rl", reason="the rl plugin is not installed")
    from harness_rl.generator import DiagnosticsGenerator
    from harness_rl.options import DiagnosticsOptions

    opts = DiagnosticsOptions(task="sanity", limit=limit, rollouts=2, rewards=["exact_match"])
    return DiagnosticsGenerator(opts)


def _generate(gen: Any, out: Path, cfg: RunConfig, executor: Any = None) -> Path:
    """What ``harness generate`` does, in this process: the driver with or without Ray."""
    import asyncio

    from harness.jobs import JobContext
    from harness.run.items import drive
    from harness.run.roles import build_roles, build_wrappers

    out.mkdir(parents=True)
    manager = get_manager()
    roles, models = None, []
    if executor is None:
        roles, models = build_roles(cfg, build_wrappers(cfg, None), manager)
    else:
        executor.job = {"name": gen.name, "params": gen.options.model_dump(mode="json")}
        executor.start(cfg, manager)
    ctx = JobContext(out, cfg.seed, roles, manager, cfg.generate)

    async def go() -> Any:
        try:
            return await drive(gen, ctx, executor)
        finally:
            for m in models:
                await m.aclose()

    try:
        asyncio.run(go())
    finally:
        ctx.close()
        if executor is not None:
            executor.close()
    return out


def _items(out: Path) -> dict[str, tuple[int, Any]]:
    rows: dict[str, tuple[int, Any]] = {}
    for line in (out / "items.jsonl").read_text().splitlines():
        row = json.loads(line)
        assert row["id"] not in rows, f"duplicated item {row['id']}"
        rows[row["id"]] = (row["seed"], row["output"])
    return rows


def test_generate_on_ray_with_a_worker_killed_equals_a_local_run_then_resumes(
    cluster: str, tmp_path: Path
) -> None:
    """`harness generate rl-diagnostics --executor ray`: a worker killed mid-job loses and
    duplicates no item, every item carries its own seed, and the files equal a local job's; a
    journal cut short (a killed driver) is finished by `--resume --executor ray` producing only
    the missing items."""
    cfg = _config(limit=6, epochs=1, delay=0.3).model_copy(update={"task": "rl-diagnostics"})
    executor = RayExecutor(workers=2)
    ray_dir = _run_with_a_worker_killed(
        executor,
        lambda: _generate(_diagnostics(6), tmp_path / "ray", cfg, executor),
        tmp_path / "ray",
        "items.jsonl",
        2,
    )
    assert executor.retried >= 1
    got = _items(ray_dir)  # asserts no duplicate
    assert len(got) == 12  # 6 queries x 2 rollouts: 0 lost
    assert all(seed == derive_seed(11, iid, 0) for iid, (seed, _) in got.items())
    local_dir = _generate(_diagnostics(6), tmp_path / "local", cfg)
    assert got == _items(local_dir)
    for name in ("rollouts.jsonl", "alpha.jsonl"):
        assert (ray_dir / name).read_text() == (local_dir / name).read_text(), name
    diag = [json.loads((d / "diagnostics.json").read_text()) for d in (ray_dir, local_dir)]
    assert [{k: v for k, v in d.items() if k != "plot"} for d in diag] == [
        {k: v for k, v in diag[1].items() if k != "plot"}
    ] * 2
    assert diag[0]["mean_alpha"] == 0.5  # the scripted agent is right on every other query

    # a driver killed after 5 items (and mid-line): --resume on Ray makes only the other 7
    from harness.schemas import JobFile

    lines = (local_dir / "items.jsonl").read_text().splitlines()
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    (resumed / "items.jsonl").write_text("\n".join(lines[:5]) + "\n" + lines[5][:40])
    job = JobFile(
        kind="generate",
        run_id="resumed",
        name="rl-diagnostics",
        created="2026-12-02T00:00:00+00:00",
        params=_diagnostics(6).options.model_dump(mode="json"),
        model=cfg.model,
        seed=cfg.seed,
        config=cfg.model_dump(mode="json"),
        harness_version="test",
        status="running",
    )
    (resumed / "run.json").write_text(job.model_dump_json())
    proc = _cli(
        ["generate", "--resume", str(resumed), "--executor", "ray", "--ray-address", cluster],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert _items(resumed) == _items(local_dir)
    assert (resumed / "rollouts.jsonl").read_text() == (local_dir / "rollouts.jsonl").read_text()
    events = [json.loads(x) for x in (resumed / "log.jsonl").read_text().splitlines()]
    assert {"event": "items", "planned": 12, "done": 5, "todo": 7} in events
    assert json.loads((resumed / "run.json").read_text())["status"] == "finished"


def test_generate_refuses_ray_for_a_generator_without_items(tmp_path: Path) -> None:
    """A generator without the per-item hook (bridge) under --executor ray: one error, nothing
    written, no cluster started."""
    proc = _cli(["generate", "bridge", "--executor", "ray", "--out", "runs"], tmp_path)
    assert proc.returncode != 0
    assert "generator 'bridge' does not split its work into items" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()
