"""The linear probe: its scoring on features with a planted signal, and a real run through a
tiny random transformers checkpoint (built locally, no download)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
from harness_mend.probe import probe_scores, question_end, summarize

from harness.errors import UserError
from harness.jobs import JobContext


def planted(n: int, seed: int) -> tuple[dict[str, list[list[float]]], list[str]]:
    """Labels one-hot in the first dims for original/permuted/combined (combined moved to other
    dims), pure noise for redundant."""
    rng = random.Random(seed)
    classes = ["attic", "garden", "kitchen"]
    labels = [classes[i % 3] for i in range(n)]
    feats: dict[str, list[list[float]]] = {f: [] for f in FORMS}
    for y in labels:
        hot = [1.0 if c == y else 0.0 for c in classes]
        noise = [rng.gauss(0, 0.3) for _ in range(6)]
        feats["original"].append([h * 3 + e for h, e in zip(hot, noise, strict=False)] + noise[3:])
        feats["permuted"].append([h * 3 + e for h, e in zip(hot, noise, strict=False)] + noise[3:])
        feats["redundant"].append([rng.gauss(0, 1) for _ in range(6)])
        feats["combined"].append(
            noise[:3] + [h * 3 + e for h, e in zip(hot, noise[3:], strict=False)]
        )
    return feats, labels


FORMS = ["original", "permuted", "redundant", "combined"]


def test_probe_finds_a_planted_signal_and_nothing_in_noise() -> None:
    feats, labels = planted(45, 0)
    out = summarize(probe_scores(feats, labels, k=5, seed=0), labels)
    assert out["original"]["within"]["mean"] == pytest.approx(1.0)
    assert out["original"]["decodable"] and out["permuted"]["decodable"]
    assert out["permuted"]["transfer"]["mean"] == pytest.approx(1.0)  # same place: transfers
    assert out["combined"]["decodable"]  # decodable on its own ...
    assert out["combined"]["transfer"]["mean"] < 0.6  # ... but not where the original keeps it
    assert not out["redundant"]["decodable"]
    assert out["redundant"]["within"]["mean"] < 0.6
    assert out["original"]["baseline"] == pytest.approx(1 / 3)


def test_question_end_is_the_last_occurrence() -> None:
    text = "<s>system\nx<e><s>user\nWhere? Where?<e>"
    assert text[: question_end(text, "Where?")].endswith("Where? Where?")
    with pytest.raises(UserError):
        question_end(text, "Why?")


@pytest.mark.slow
def test_probe_job_on_a_tiny_checkpoint(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("sklearn")
    from harness_mend.probe_job import ProbeJob

    from harness.backends.hf.tiny import build_tiny_checkpoint

    ckpt = build_tiny_checkpoint(tmp_path / "tiny", layers=1, hidden=32)
    job = ProbeJob(ProbeJob.Options(checkpoint=f"hf/{ckpt}", layer=1, n_logic=8, folds=2))
    ctx = JobContext(tmp_path, 0, None, None)  # type: ignore[arg-type]
    try:
        summary = asyncio.run(job.generate(ctx))
    finally:
        ctx.close()
    assert summary["layer"] == 1 and summary["layer_name"] == "model.layers[0]"
    saved = json.loads((tmp_path / "probe.json").read_text())
    assert set(saved["forms"]) == set(FORMS)
    for row in saved["forms"].values():
        assert row["within"]["n"] == 8 and 0 <= row["within"]["mean"] <= 1
        assert isinstance(row["decodable"], bool)
    with pytest.raises(UserError, match="out of range"):
        bad = ProbeJob(ProbeJob.Options(checkpoint=str(ckpt), layer=5, n_logic=8))
        (tmp_path / "b").mkdir()
        asyncio.run(bad.generate(JobContext(tmp_path / "b", 0, None, None)))  # type: ignore[arg-type]


def test_probe_refuses_a_directory_without_a_checkpoint(tmp_path: Path) -> None:
    from harness_mend.probe import checkpoint_dir

    with pytest.raises(UserError, match="not a transformers checkpoint"):
        checkpoint_dir(f"hf/{tmp_path}")


def test_cli_errors_are_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.cli.main import main

    assert main(["generate", "mend-probe", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "mend-probe needs --checkpoint DIR" in err and "Traceback" not in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "logic"}\n')
    assert (
        main(
            [
                "run",
                "mend",
                "-T",
                f"problems_file={bad}",
                "--model",
                "scripted/echo",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "bad.jsonl:1: field text: Field required" in err and "Traceback" not in err
