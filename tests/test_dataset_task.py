"""The `dataset` task kind: a task file over a local parquet/csv/jsonl table, run by the CLI with
a scripted model whose right and wrong answers are known; bad fields named with the columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main

pytest.importorskip("datasets")

ROWS = [
    {"country": "France", "capital": "Paris", "continent": "Europe", "code": "fr"},
    {"country": "Japan", "capital": "Tokyo", "continent": "Asia", "code": "jp"},
    {"country": "Kenya", "capital": "Nairobi", "continent": "Africa", "code": "ke"},
    {"country": "Peru", "capital": "Lima", "continent": "America", "code": "pe"},
]
PROMPT = "What is the capital of {country}? Answer with the city only."


def write_table(folder: Path, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = folder / "capitals.parquet"
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    elif fmt == "csv":
        path = folder / "capitals.csv"
        lines = [",".join(ROWS[0])] + [",".join(r.values()) for r in ROWS]
        path.write_text("\n".join(lines) + "\n")
    else:
        path = folder / "capitals.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    return path


def task_file(folder: Path, data: str, **params: object) -> Path:
    import yaml

    spec = {
        "format_version": 1,
        "name": "capitals",
        "task": "dataset",
        "params": {
            "path": data,  # relative: resolved against the task file's folder
            "prompt": PROMPT,
            "target": "capital",
            "id": "code",
            "metrics": ["exact_match", "includes"],
            "group_by": ["continent"],
            **params,
        },
    }
    path = folder / "capitals.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_a_task_file_over_a_local_table_runs(tmp_path: Path, fmt: str) -> None:
    data = write_table(tmp_path / "data", fmt)
    spec = task_file(tmp_path / "data", data.name)
    answers = {
        PROMPT.format(country="France"): "Paris",
        PROMPT.format(country="Japan"): "Kyoto",  # wrong
        PROMPT.format(country="Kenya"): "It is Nairobi.",  # includes, not exact
        PROMPT.format(country="Peru"): "lima",  # case ignored
    }
    out = tmp_path / "runs"
    code = main(
        [
            "run",
            "capitals",
            "--tasks-path",
            str(spec),
            "--model",
            "scripted/geo",
            "-M",
            f"answers={json.dumps(answers)}",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    (run,) = out.iterdir()
    result = json.loads((run / "results.json").read_text())
    means = {m["name"]: m["mean"] for m in result["metrics"]}
    assert means == {"exact_match": 0.5, "includes": 0.75}
    groups = result["metrics"][0]["groups"]
    assert set(groups) == {f"continent={r['continent']}" for r in ROWS}
    records = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert sorted(r["sample_id"] for r in records) == ["fr", "jp", "ke", "pe"]


def test_a_missing_field_names_it_and_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_table(tmp_path, "parquet")
    spec = task_file(tmp_path, data.name, target="capitol", prompt="Capital of {nation}?")
    code = main(
        ["run", "capitals", "--tasks-path", str(spec), "--model", "scripted/echo", "--out",
         str(tmp_path / "runs"), "--no-progress"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "no column 'nation' (prompt), 'capitol' (target)" in err
    assert "its columns: country, capital, continent, code" in err
    assert not list((tmp_path / "runs").glob("*/results.json"))


def test_bad_options_are_refused_before_any_data_is_read(tmp_path: Path) -> None:
    from harness.errors import UserError
    from harness.plugins.dataset_task import DatasetOptions, DatasetTask, template_fields

    with pytest.raises(ValueError, match="exactly one of 'path'"):
        DatasetOptions(prompt="{q}", target="a")
    with pytest.raises(ValueError, match="exactly one of 'path'"):
        DatasetOptions(path="x.csv", hub="org/data", prompt="{q}", target="a")
    assert template_fields("Q: {question!r} ({choices[0]}) {question}") == ["question", "choices"]
    with pytest.raises(UserError, match="must name a column"):
        template_fields("Q: {}")
    task = DatasetTask(DatasetOptions(path=str(tmp_path / "none.csv"), prompt="{q}", target="a"))
    with pytest.raises(UserError, match="no such file"):
        list(task.samples())
    task = DatasetTask(
        DatasetOptions(path="x.csv", prompt="{q}", target="a", metrics=["exact_mach"])
    )
    with pytest.raises(UserError, match="Did you mean: exact_match"):
        list(task.samples())
