"""The five loaders on tiny local copies built here (parquet, json, jsonl, csv, a saved dataset
with embedded image bytes), their errors, and the synthetic set (seeded, answers true to the
picture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_modomodo.data import load_source, read_examples, to_sample
from harness_modomodo.metrics import Accuracy
from harness_modomodo.synthetic import COLORS, KINDS, OOD_KINDS, draw, write_set

from harness.errors import UserError
from harness.schemas import SolveOutput


def _png(path: Path, size: tuple[int, int] = (100, 80)) -> None:
    from PIL import Image

    Image.new("RGB", size, (10, 20, 30)).save(path)


def test_coco_parquet_box_list_and_normalised_string(tmp_path: Path) -> None:
    import pandas as pd

    _png(tmp_path / "a.png")
    pd.DataFrame(
        {
            "image": ["a.png", "a.png"],
            "problem": ["find the dog", "find the cat"],
            "bbox": [[1.0, 2.0, 30.0, 40.0], [0.0, 0.0, 0.5, 0.5]],
        }
    ).to_parquet(tmp_path / "coco.parquet")
    got = load_source("coco", tmp_path / "coco.parquet")
    assert [e.answer for e in got] == [[1, 2, 30, 40], [0, 0, 50, 40]]
    assert got[0].image_size == (100, 80) and got[0].question == "find the dog"
    s = to_sample(got[0])
    assert Accuracy().score(s, SolveOutput(completion="[1,2,30,40]")).value == 1.0


def test_sat_json_letters_and_text_answers(tmp_path: Path) -> None:
    _png(tmp_path / "s.png")
    rows = [
        {"image": "s.png", "question": "where?", "options": ["left", "right"], "answer": "(B)"},
        {"image": "s.png", "question": "where?", "options": ["left", "right"], "answer": "left"},
    ]
    (tmp_path / "sat.json").write_text(json.dumps(rows))
    got = load_source("sat", tmp_path / "sat.json")
    assert [e.answer for e in got] == ["B", "A"]
    assert "(A) left\n(B) right" in to_sample(got[0]).input


def test_geoqa_jsonl_and_scienceqa_csv_index_answer(tmp_path: Path) -> None:
    _png(tmp_path / "g.png")
    (tmp_path / "geo.jsonl").write_text(
        json.dumps({"image": "g.png", "question": "angle?", "answer": "30°"}) + "\n"
    )
    assert load_source("geoqa", tmp_path / "geo.jsonl")[0].answer == "30°"
    (tmp_path / "sqa.csv").write_text(
        'image,question,choices,answer\ng.png,weather or climate?,"[""weather"", ""climate""]",1\n'
    )
    ex = load_source("scienceqa", tmp_path / "sqa.csv")[0]
    assert ex.answer == "B" and ex.choices == ["weather", "climate"]


def test_lisa_saved_dataset_with_image_bytes(tmp_path: Path) -> None:
    import datasets
    from PIL import Image

    img = Image.new("RGB", (40, 30), (255, 0, 0))
    ds = datasets.Dataset.from_dict(
        {"image": [img], "text": ["the thing that holds water"], "solution": ["(1,2),(10,20)"]}
    ).cast_column("image", datasets.Image())
    ds.save_to_disk(str(tmp_path / "lisa"))
    ex = load_source("lisa", tmp_path / "lisa", image_cache=tmp_path / "cache")[0]
    assert ex.answer == [1, 2, 10, 20] and ex.image_size == (40, 30)
    assert Path(ex.image).parent == tmp_path / "cache" and Path(ex.image).is_file()


def test_missing_columns_named(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text(json.dumps({"img": "a.png", "q": "?"}) + "\n")
    with pytest.raises(UserError) as err:
        load_source("sat", tmp_path / "x.jsonl")
    msg = str(err.value)
    assert "question (one of" in msg and "answer (one of" in msg and "choices (one of" in msg
    assert "image (one of" not in msg and "it has img, q" in msg


def test_missing_image_rejected_at_load(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text(
        json.dumps({"image": "nope.png", "question": "?", "answer": "3"}) + "\n"
    )
    with pytest.raises(UserError, match=r"row 0: field 'image': .*nope.png does not exist"):
        load_source("geoqa", tmp_path / "x.jsonl")
    with pytest.raises(UserError, match="unknown dataset"):
        load_source("mmmu", tmp_path / "x.jsonl")


def test_synthetic_is_seeded_and_true_to_the_picture(tmp_path: Path) -> None:
    for kind in KINDS:
        a, b = draw(kind, 3, 7), draw(kind, 3, 7)
        assert (a.question, a.answer) == (b.question, b.answer)
        assert a.image().tobytes() == b.image().tobytes()
    assert {draw("coco-box", 3, i).question for i in range(20)} != {draw("coco-box", 4, 0).question}
    for i in range(30):  # the gold box's centre is painted in the named colour
        d = draw("coco-box", 0, i)
        x1, y1, x2, y2 = d.answer
        color = d.question.split()[2]
        px = d.image().getpixel(((x1 + x2) // 2, (y1 + y2 - 1) // 2 + 2))
        assert px == COLORS[color], (d.question, px)
        c = draw("ood-count", 0, i)
        shape = c.question.split()[2][:-1]
        assert int(c.answer) == sum(s.kind == shape for s in c.shapes)
    path = write_set(tmp_path, list(OOD_KINDS), 2, seed=1)
    examples = read_examples(path)
    assert [e.source for e in examples] == [k for k in OOD_KINDS for _ in range(2)]
    (tmp_path / examples[0].image).unlink()
    with pytest.raises(UserError, match=r"line 1 .*does not exist"):
        read_examples(path)
