"""``harness run --executor ray`` on a real local Ray cluster (one per module): two worker
processes on 127.0.0.1, usage statistics and the dashboard off. A Ray run's records, seeds,
metrics and resume equal a local run's; a worker killed mid-run loses and duplicates nothing; an
unreachable address and a plugin the workers lack are each one clear error before anything is
written."""

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

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level=logging.WARNING,
    )
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


def test_a_ray_run_equals_a_local_run(cluster: str, tmp_path: Path) -> None:
    cfg = _config()
    local_dir, _ = Runner(cfg, tmp_path / "local").run()
    executor = RayExecutor(workers=2)
    ray_dir, _ = Runner(cfg, tmp_path / "ray", executor=executor).run()
    local, remote = _comparable(local_dir), _comparable(ray_dir)
    assert len(remote) == 16
    assert remote == local
    for (sid, epoch), rec in remote.items():
        assert rec[3] == derive_seed(11, sid, epoch)
    metrics, n = _metrics(ray_dir)
    assert (metrics, n) == _metrics(local_dir)
    exact = next(m for m in metrics if m["name"] == "exact_match")
    assert 0.3 < exact["mean"] < 0.7  # the agent's known error rate shows
    assert not executor.pool  # the workers were stopped; the module's cluster was left running


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(cluster: str, tmp_path: Path) -> None:
    cfg = _config(limit=12, epochs=1, delay=0.4)
    executor = RayExecutor(workers=2)
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = Runner(cfg, tmp_path / "ray", executor=executor).run()
        except BaseException as exc:
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        journals = list((tmp_path / "ray").glob("*/samples.jsonl"))
        if journals and len(journals[0].read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    victim = executor.pool[0]
    assert victim.in_flight > 0
    os.kill(victim.pid, signal.SIGKILL)
    t.join(180)
    assert "error" not in out, out.get("error")
    run_dir = out["result"][0]
    recs = _comparable(run_dir)  # asserts no duplicate
    assert len(recs) == 12 and all(r[0] == "ok" for r in recs.values())  # 0 lost
    assert executor.retried >= 1  # the killed worker's samples were sent again
    local_dir, _ = Runner(cfg, tmp_path / "local").run()
    assert recs == _comparable(local_dir)
    assert _metrics(run_dir) == _metrics(local_dir)


def test_rpm_is_one_budget_across_the_workers(cluster: str, tmp_path: Path) -> None:
    """-M rpm=60 with two workers: 10 calls take about 9 s (one budget, one second of burst), not
    the ~4 s two per-worker budgets would give."""
    cfg = _config(limit=10, epochs=1, rpm=60)
    run_dir, _ = Runner(cfg, tmp_path / "ray", executor=RayExecutor(workers=2)).run()
    recs = records(run_dir)
    assert len(recs) == 10 and all(r["status"] == "ok" for r in recs)
    first = min(r["timing"]["started"] for r in recs)
    last = max(r["timing"]["started"] + r["timing"]["total"] for r in recs)
    assert last - first >= 7.0, last - first


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
    resumed = _cli(["run", "--resume", str(run_dir), "--no-progress", *ray_args], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    straight = _cli([*args, "--out", "straight"], tmp_path)
    assert straight.returncode == 0, straight.stderr
    straight_dir = next((tmp_path / "straight").iterdir())
    assert _comparable(run_dir) == _comparable(straight_dir)  # none lost, none duplicated
    assert _metrics(run_dir) == _metrics(straight_dir)


FAKE = ["run", "sanity", "--model", "fakeprov/echo", "--executor", "ray"]
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
    env = {**os.environ, "PYTHONPATH": f"{site}:{os.environ.get('PYTHONPATH', '')}"}
    proc = _cli(
        [*FAKE, "--ray-address", cluster, "--out", "runs"],
        tmp_path,
        env=env,
    )
    assert proc.returncode != 0
    assert "plugin 'rayfake' (rayfake) is not installed on this Ray worker" in proc.stderr
    assert "Traceback" not in proc.stderr
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
