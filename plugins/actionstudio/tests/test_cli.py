"""The commands end to end (in process): verify-only, the critic, the converter, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness_actionstudio.critic import parse_verdict

from harness.cli.main import main


def _run_dir(out: Path) -> Path:
    (d,) = [p for p in out.iterdir() if p.is_dir()]
    return d


def test_verify_only_with_critic(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = json.dumps({"score": 4, "explanation": "Correct lookup, terse answer."})
    rc = main(
        [
            "train",
            "actionstudio",
            "--data",
            str(short_data),
            "--verify-only",
            "--base-model",
            str(tiny_model_dir),
            "--critic",
            "--critic-limit",
            "3",
            "--critic-min-score",
            "5",
            "--model",
            "scripted/judge",
            "-M",
            f"responses=[{json.dumps(verdict)}]",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    run = _run_dir(tmp_path)
    printed = capsys.readouterr().out
    assert "--- labels" in printed and "masked" in printed
    verdicts = [json.loads(x) for x in (run / "critic.jsonl").read_text().splitlines()]
    assert [v["score"] for v in verdicts] == [4, 4, 4]
    summary = json.loads((run / "run.json").read_text())["summary"]
    assert summary["verify_only"] and summary["critic"]["mean_score"] == 4.0
    assert len(summary["critic"]["dropped"]) == 3  # below --critic-min-score 5
    assert summary["records_used"] == 3
    assert not (run / "checkpoints").exists()


def test_parse_verdict() -> None:
    assert parse_verdict('ok {"score": "3", "explanation": "fine"}') == {
        "score": 3,
        "explanation": "fine",
    }
    for bad in ("no json", '{"score": 7}', '{"score": true}'):
        with pytest.raises(ValueError):
            parse_verdict(bad)


def test_convert_generator(tmp_path: Path, fixtures: Path) -> None:
    rc = main(
        [
            "generate",
            "actionstudio-convert",
            "--input",
            str(fixtures / "openai.jsonl"),
            str(fixtures / "sharegpt.json"),
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    run = _run_dir(tmp_path)
    unified = (run / "unified.jsonl").read_text().splitlines()
    assert [json.loads(x)["unique_trajectory_id"] for x in unified] == ["oa-1", "sg-1"]
    rejected = [json.loads(x) for x in (run / "rejected.jsonl").read_text().splitlines()]
    assert {r["id"] for r in rejected} >= {"oa-2", "sg-2"}
    assert all(r["reason"] for r in rejected)
    # The converted file trains: it is valid input for the trainer's loader.
    from harness_actionstudio.converters import convert_files

    again = convert_files([run / "unified.jsonl"])
    assert len(again.records) == 2 and not again.rejected


def _err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: error: ") and "Traceback" not in err
    return err


def test_bad_input_one_clear_message(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "train",
        "actionstudio",
        "--base-model",
        str(tiny_model_dir),
        "--out",
        str(tmp_path / "runs"),
        "--verify-only",
    ]
    mix = tmp_path / "mix.yaml"
    mix.write_text("short: {ratio: 0.5}\n")
    assert "ratios sum to 0.5, not 1" in _err(
        [*base, "--data", str(short_data), "--mixture", str(mix)], capsys
    )
    mix.write_text("short: {size: 2}\nretail: {size: 2}\n")
    assert "mixture dataset 'retail' not found" in _err(
        [*base, "--data", str(short_data), "--mixture", str(mix)], capsys
    )
    assert "longer than max_seq_length 40" in _err(
        [*base, "--data", str(short_data), "--max-seq-length", "40", "--overlong", "error"], capsys
    )
    assert "every example is longer than max_seq_length 40" in _err(
        [*base, "--data", str(short_data), "--max-seq-length", "40"], capsys
    )
    bare = tmp_path / "bare"
    shutil.copytree(tiny_model_dir, bare)
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    cfg = json.loads((bare / "tokenizer_config.json").read_text())
    cfg.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(cfg))
    assert "tokenizer has no chat template" in _err(
        [
            "train",
            "actionstudio",
            "--base-model",
            str(bare),
            "--data",
            str(short_data),
            "--out",
            str(tmp_path / "runs"),
        ],
        capsys,
    )
    assert "data file not found" in _err([*base, "--data", str(tmp_path / "nope.jsonl")], capsys)


@pytest.mark.parametrize("argv", [["train", "actionstudio"], ["generate", "actionstudio-convert"]])
def test_help_lists_every_option(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # argparse %-formats help strings: a bare "%" in a description used to crash --help.
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    if argv[0] == "train":
        assert "--max-seq-length" in out and "(default: 8192)" in out and "--lora" in out
    else:
        assert "--input" in out


def test_unverified_trajectories_stop_unless_dropped(
    tmp_path: Path, tiny_model_dir: Path, make_traj, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [make_traj(i, f"#W{1000000 + i}") for i in range(3)]
    failed = make_traj(7, "#W1000007").model_copy(update={"id": "failed-7", "reward": 0.0})
    data = tmp_path / "mixed.jsonl"
    data.write_text("".join(t.model_dump_json() + "\n" for t in [good[0], failed, *good[1:]]))
    base = ["train", "actionstudio", "--data", str(data), "--base-model", str(tiny_model_dir)]
    base += ["--verify-only"]
    err = _err([*base, "--out", str(tmp_path / "stopped")], capsys)
    assert "1 trajectories fail verification" in err and "failed-7" in err and "reward 0.0" in err
    assert main([*base, "--invalid", "drop", "--out", str(tmp_path / "runs")]) == 0
    assert "dropped 1 trajectories" in capsys.readouterr().out
    (run,) = [p for p in (tmp_path / "runs").iterdir() if (p / "run.json").exists()]
    summary = json.loads((run / "run.json").read_text())["summary"]
    assert summary["invalid"]["dropped"] == 1 and summary["invalid"]["first"]["id"] == "failed-7"
    assert summary["records_used"] == 3
