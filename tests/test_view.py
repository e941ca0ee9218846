"""harness view: pages rendered from real run directories made by the CLI (scripted models), the
damage of a torn or corrupt journal shown, the token, the static export. The real-browser tests
are in test_view_browser.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.cli.main import main

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from harness.view.app import create_app


def make_runs(root: Path) -> dict[str, Path]:
    """Three runs of `sanity` (echo, a fixed answer over 2 epochs, an answer per sample) and one
    of `sanity-tools` with a tool call, by the CLI."""
    out: dict[str, Path] = {}

    def run(label: str, *args: str) -> None:
        before = set(root.iterdir()) if root.exists() else set()
        code = main(["run", *args, "--out", str(root), "--no-progress"])
        assert code == 0
        (new,) = set(root.iterdir()) - before
        out[label] = new

    run("echo", "sanity", "--model", "scripted/echo", "--epochs", "2")
    run("four", "sanity", "--model", "scripted/four", "-M", 'responses=["4"]', "--epochs", "2")
    call = {"text": "", "tool_calls": [{"name": "multiply", "arguments": {"a": 3, "b": 11}}]}
    script = json.dumps([call, "33"])
    run("tools", "sanity-tools", "--model", "scripted/calc", "-M", f"responses={script}")
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture
def client(runs: dict[str, Path]) -> TestClient:
    return TestClient(create_app(runs["echo"].parent))


def test_runs_list_shows_tasks_models_counts_and_metrics(
    client: TestClient, runs: dict[str, Path]
) -> None:
    page = client.get("/").text
    for r in runs.values():
        assert r.name in page
    assert "scripted/four" in page and "sanity-tools" in page
    assert "exact_match" in page and "finished" in page
    filtered = client.get("/", params={"filter": "sanity-tools"}).text
    assert runs["tools"].name in filtered and runs["echo"].name not in filtered


def test_run_page_shows_the_numbers_harness_show_prints(
    client: TestClient, runs: dict[str, Path]
) -> None:
    results = json.loads((runs["four"] / "results.json").read_text())
    page = client.get(f"/run/{runs['four'].name}").text
    for m in results["metrics"]:
        assert f"<b>{m['mean']:.3f}</b>" in page
        assert f"[{m['ci_low']:.3f}, {m['ci_high']:.3f}]" in page
        assert "k=2" in page  # pass^k over the 2 epochs
    assert "<svg" in page and "pass^k" in page  # the plots
    assert "scripted/four" in page and "harness" in page  # config and versions


def test_samples_filters_and_full_text_search(client: TestClient, runs: dict[str, Path]) -> None:
    name = runs["four"].name
    everything = client.get(f"/run/{name}/samples").text
    assert "80 records" in everything  # 40 samples x 2 epochs, 50 a page
    assert "page 1 of 2" in everything
    right = client.get(f"/run/{name}/samples", params={"score": "exact_match=1"}).text
    assert "2 records" in right  # only "what is 2+2"-like questions answer 4, in both epochs
    found = client.get(f"/run/{name}/samples", params={"q": "reverse"}).text
    n = int(found.split('id="count">')[1].split(" ")[0])
    assert 0 < n < 80
    bad = client.get(f"/run/{name}/samples", params={"q": '"', "score": "nonsense"})
    assert bad.status_code == 200 and "search" in bad.text and "score filter" in bad.text


def test_sample_page_shows_the_conversation_with_tool_calls(
    client: TestClient, runs: dict[str, Path]
) -> None:
    page = client.get(f"/run/{runs['tools'].name}/sample/1").text
    assert 'class="turn system"' in page or 'class="turn user"' in page
    assert 'class="turn assistant"' in page
    assert '<span class="fn">multiply</span>' in page and "&#34;b&#34;: 11" in page
    assert 'class="turn tool"' in page  # the observation
    assert "model calls" in page and "tokens in" in page
    assert client.get(f"/run/{runs['tools'].name}/sample/99999").status_code == 404
    assert client.get("/run/nope").status_code == 404


def test_compare_gives_paired_deltas_and_the_records_that_differ(
    client: TestClient, runs: dict[str, Path]
) -> None:
    a, b = runs["echo"].name, runs["four"].name
    page = client.get("/compare", params={"a": a, "b": b}).text
    assert 'id="deltas"' in page and "exact_match" in page
    assert "paired bootstrap" in page
    assert 'class="diff-link"' in page and 'class="side-by-side"' in page
    other = client.get("/compare", params={"a": a, "b": runs["tools"].name}).text
    assert "only runs of one task compare" in other


def test_simulated_user_turns_are_marked() -> None:
    from harness.schemas import Message, SampleRecord, SolveOutput
    from harness.view.data import conversation

    msgs = [
        Message(role="user", content="book a flight"),
        Message(role="assistant", content="where to?"),
        Message(role="user", content="Paris"),
        Message(role="assistant", content="morning or evening?"),
        Message(role="user", content="(the environment's user) morning"),
    ]
    meta = {"simulated_user": [2], "environment_turns": [4]}
    rec = SampleRecord(
        sample_id="s",
        status="ok",
        input="book a flight",
        output=SolveOutput(completion="", messages=msgs, metadata=meta),
    )
    turns = conversation(rec)
    assert [t.role for t in turns] == [
        "user",
        "assistant",
        "simulated-user",
        "assistant",
        "environment",
    ]
    assert turns[2].label == "simulated user"


def _copy(run: Path, name: str) -> Path:
    dst = run.parent.parent / "damaged" / name
    shutil.copytree(run, dst)
    (dst / "index.sqlite").unlink()
    return dst


def test_a_torn_or_corrupt_journal_is_shown_never_a_500(runs: dict[str, Path]) -> None:
    torn = _copy(runs["echo"], "torn")
    (torn / "results.json").unlink()  # as after a kill
    with (torn / "samples.jsonl").open("ab") as fh:
        fh.write(b'{"sample_id": "cut-o')
    corrupt = _copy(runs["four"], "corrupt")
    lines = (corrupt / "samples.jsonl").read_bytes().splitlines(keepends=True)
    lines.insert(3, b"this is not json\n")
    (corrupt / "samples.jsonl").write_bytes(b"".join(lines))
    broken = corrupt.parent / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    client = TestClient(create_app(torn.parent), raise_server_exceptions=False)
    listing = client.get("/")
    assert listing.status_code == 200 and "damaged" in listing.text
    page = client.get("/run/torn").text
    assert "incomplete last line" in page and "interrupted" in page
    assert "exact_match" in page  # metrics from the index all the same
    page = client.get("/run/corrupt")
    assert page.status_code == 200 and "line 4: not valid JSON" in page.text
    samples = client.get("/run/corrupt/samples")
    assert samples.status_code == 200 and "line 4" in samples.text
    assert "showing the 80 records" in samples.text and "80 records" in samples.text
    assert client.get("/run/corrupt/sample/80").status_code == 200  # past the damage
    assert client.get("/run/broken").status_code == 200


def test_a_token_guards_the_server(runs: dict[str, Path]) -> None:
    client = TestClient(create_app(runs["echo"].parent, token="s3cret"))
    assert client.get("/").status_code == 403
    assert client.get("/", params={"token": "nope"}).status_code == 403
    assert client.get("/", params={"token": "s3cret"}).status_code == 200
    assert client.get(f"/run/{runs['echo'].name}").status_code == 200  # by the cookie now


def test_binding_another_address_needs_a_token(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["view", str(runs["echo"].parent), "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err


def test_export_writes_a_static_site_with_paged_samples(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    assert main(["view", str(runs["echo"].parent), "--export", str(out)]) == 0
    four = out / "runs" / runs["four"].name
    assert (out / "index.html").is_file() and (out / "static" / "view.css").is_file()
    pages = sorted(p.name for p in four.glob("samples-*.html"))
    assert pages == ["samples-1.html", "samples-2.html"]  # 80 records, 50 a page
    first = (four / "samples-1.html").read_text()
    assert first.count('class="record"') == 50 and 'samples-2.html">next' in first
    assert 'class="transcript"' in first
    index = (out / "index.html").read_text()
    assert f'href="runs/{runs["four"].name}/index.html"' in index


def test_training_curves_come_from_the_jobs_log(tmp_path: Path) -> None:
    from harness.view.data import training_curves
    from harness.view.plots import Plot

    run = tmp_path / "job"
    run.mkdir()
    log: list[dict[str, Any]] = [
        {"event": "step", "step": i, "loss": 2.0 / (i + 1), "lr": 1e-4} for i in range(5)
    ]
    log.append({"event": "saved", "path": "x"})
    (run / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log) + "{torn")
    curves = training_curves(run)
    assert set(curves) == {"loss", "lr"} and curves["loss"][2] == (2.0, 2.0 / 3)
    svg = Plot("loss", "line", series={"loss": curves["loss"]}).svg()
    assert svg.count("<circle") == 5


def test_a_run_being_written_refreshes_itself(client: TestClient, runs: dict[str, Path]) -> None:
    from harness.run.lock import RunLock

    name = runs["echo"].name
    assert client.get(f"/run/{name}/status.json").json()["status"] == "finished"
    assert "data-live" not in client.get(f"/run/{name}").text
    with RunLock(runs["echo"]):  # as the runner holds it while it writes
        status = client.get(f"/run/{name}/status.json").json()
        assert status == {"status": "running", "records": 80, "errors": 0}
        page = client.get(f"/run/{name}").text
        assert f'data-live="/run/{name}/status.json"' in page and "live: refreshing" in page
        assert client.get("/status.json").json() == {
            "status": "running",
            "records": 80,
            "runs": 1,
        }
        assert 'data-live="/status.json"' in client.get("/").text
    assert client.get("/status.json").json()["status"] == "idle"


def test_plugins_add_plots_through_the_view_plots_hook(
    client: TestClient, runs: dict[str, Path]
) -> None:
    from harness.hookspecs import hookimpl
    from harness.plugins.manager import get_manager

    class Plots:
        @hookimpl
        def view_plots(self, task: str, run: Any) -> list[Any] | None:
            if task != "sanity":
                return None
            n = run.index.count(status="ok")
            return [
                {"title": "records by status", "kind": "bar", "x": ["ok"], "y": [n]},
                {"title": "broken", "kind": "pie"},
            ]

    class Failing:
        @hookimpl
        def view_plots(self, task: str, run: Any) -> list[Any] | None:
            raise RuntimeError("no data for it")

    get_manager().register_plugin(Plots(), "plots-plugin")
    get_manager().register_plugin(Failing(), "failing-plugin")
    page = client.get(f"/run/{runs['echo'].name}").text
    assert 'aria-label="records by status"' in page and "ok: 80" in page
    assert "plugin plots-plugin, plot 1: not a plot" in page
    assert "plugin failing-plugin: its plots failed (no data for it)" in page
