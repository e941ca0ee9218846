"""harness export: a run (made by the CLI with a scripted model) as jsonl, parquet and a Hugging
Face dataset folder, each read back with datasets.load_dataset; and a generator's output read
by datasets.load_dataset as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main

datasets = pytest.importorskip("datasets")
datasets.disable_progress_bars()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    call = {"text": "", "tool_calls": [{"name": "multiply", "arguments": {"a": 3, "b": 11}}]}
    code = main(
        [
            "run",
            "sanity-tools",
            "--model",
            "scripted/calc",
            "-M",
            f"responses={json.dumps([call, '33'])}",
            "--limit",
            "6",
            "--epochs",
            "2",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    (run,) = out.iterdir()
    return run


def _load(fmt: str, path: Path) -> object:
    if fmt == "hf":
        return datasets.load_dataset(str(path), split="train")
    builder = "json" if fmt == "jsonl" else "parquet"
    return datasets.load_dataset(builder, data_files=str(path), split="train")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "hf"])
def test_export_round_trips_through_load_dataset(run_dir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    assert main(["export", str(run_dir), "--format", fmt, "--out", str(out)]) == 0
    ds = _load(fmt, out)
    assert ds.num_rows == 12  # type: ignore[attr-defined]  # 6 samples x 2 epochs
    journal = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    by_key = {(r["sample_id"], r["epoch"]): r for r in journal}
    for row in ds:  # type: ignore[attr-defined]
        rec = by_key[(row["sample_id"], row["epoch"])]
        assert row["status"] == rec["status"] and row["input"] == rec["input"]
        assert json.loads(row["target"]) == rec["target"]
        for name, score in rec["scores"].items():
            assert row[f"score_{name}"] == score["value"]
        assert json.loads(row["scores"])["sanity_tool_use"]["explanation"]
        roles = [m["role"] for m in row["messages"]]
        assert roles == [m["role"] for m in rec["output"]["messages"]]
        calls = json.loads(row["messages"][1]["tool_calls"])
        assert calls[0]["name"] == "multiply" and calls[0]["arguments"] == {"a": 3, "b": 11}
    if fmt == "hf":
        assert "configs:" in (out / "README.md").read_text()


def test_export_errors_are_one_line(
    tmp_path: Path, run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path / "nope"), "--format", "jsonl"]) == 2
    assert "no such run directory" in capsys.readouterr().err
    out = tmp_path / "taken"
    out.mkdir()
    assert main(["export", str(run_dir), "--format", "hf", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.tmp"))
    from harness.run.lock import RunLock

    with RunLock(run_dir):  # as a runner holds it
        assert main(["export", str(run_dir), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "is being written" in capsys.readouterr().err


def test_a_generators_trajectories_load_with_load_dataset(tmp_path: Path) -> None:
    pytest.importorskip("harness_spectool")
    args = ["generate", "spectool-oracle", "--limit", "6", "--out", str(tmp_path)]
    assert main(args) == 0
    (run,) = tmp_path.iterdir()
    path = run / "trajectories.jsonl"
    lines = path.read_text().splitlines()
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    assert ds.num_rows == len(lines) > 0
    first = json.loads(lines[0])
    assert ds[0]["id"] == first["id"]
    assert [m["role"] for m in ds[0]["messages"]] == [m["role"] for m in first["messages"]]
