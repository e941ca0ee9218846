"""harness compare: runs of one task in one table, with paired differences from the first run;
real run directories made by the CLI with scripted models whose answers are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main


def _run(root: Path, *args: str) -> Path:
    before = set(root.iterdir()) if root.exists() else set()
    assert main(["run", *args, "--out", str(root), "--no-progress"]) == 0
    (new,) = set(root.iterdir()) - before
    return new


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {
        "echo": _run(root, "sanity", "--model", "scripted/echo"),
        "four": _run(root, "sanity", "--model", "scripted/four", "-M", 'responses=["4"]'),
        "four_again": _run(root, "sanity", "--model", "scripted/four", "-M", 'responses=["4"]'),
        "tools": _run(root, "sanity-tools", "--model", "scripted/echo", "--limit", "2"),
    }


def _exact(run: Path) -> dict[str, float]:
    out = {}
    for line in (run / "samples.jsonl").read_text().splitlines():
        r = json.loads(line)
        out[r["sample_id"]] = r["scores"]["exact_match"]["value"]
    return out


def test_compare_gives_each_runs_mean_and_paired_difference(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, c = runs["echo"], runs["four"], runs["four_again"]
    assert main(["compare", str(a), str(b), str(c), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["task"] == "sanity" and got["baseline"] == str(a)
    ea, eb = _exact(a), _exact(b)
    # the expected numbers, from the samples themselves
    mean_a, mean_b = sum(ea.values()) / len(ea), sum(eb.values()) / len(eb)
    assert mean_b > mean_a  # "4" is the answer of at least one sanity sample; echo gets none
    row = next(m for m in got["runs"][0]["metrics"] if m["metric"] == "exact_match")
    assert row["n"] == len(ea)
    assert row["baseline"] == pytest.approx(mean_a)
    assert row["mean"] == pytest.approx(mean_b)
    assert row["diff"] == pytest.approx(mean_b - mean_a)
    lo, hi = row["diff_ci"]
    assert lo <= row["diff"] <= hi
    # the same model again, against the same baseline: the same row (the bootstrap is seeded)
    assert got["runs"][1]["metrics"] == got["runs"][0]["metrics"]
    # and against itself: no difference, a CI of zero width
    assert main(["compare", str(b), str(c), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)["runs"][0]["metrics"]
    assert all(m["diff"] == 0 and m["diff_ci"] == [0, 0] for m in same)

    assert main(["compare", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert f"A: {a}" in text and f"B: {b}" in text and "B - A [95% CI]" in text
    assert "exact_match" in text and f"{mean_b - mean_a:+.3f}" in text


def test_compare_refuses_what_does_not_compare(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(runs["echo"])]) == 2
    assert "two or more run directories" in capsys.readouterr().err
    assert main(["compare", str(runs["echo"]), str(runs["tools"])]) == 2
    assert "only runs of one task compare" in capsys.readouterr().err
    assert main(["compare", str(runs["echo"]), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a readable run directory" in err and "Traceback" not in err
    # runs of one task with no sample in common: nothing to pair
    root = tmp_path / "disjoint"
    one = _run(root, "sanity", "--model", "scripted/echo", "--sample-id", "arith-000")
    two = _run(root, "sanity", "--model", "scripted/echo", "--sample-id", "arith-001")
    assert main(["compare", str(one), str(two)]) == 2
    assert "no sample was scored both" in capsys.readouterr().err
