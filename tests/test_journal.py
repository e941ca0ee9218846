from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import UserError
from harness.run.journal import Journal, read_records, repair_tail
from harness.schemas import SampleRecord


def _rec(i: int) -> SampleRecord:
    return SampleRecord(sample_id=f"s{i}", status="ok", input="q")


def test_append_is_flushed_per_record(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    j = Journal(path)
    j.append(_rec(0))
    # readable by another reader before close: it was flushed
    assert [r.sample_id for r in read_records(path)] == ["s0"]
    j.append(_rec(1))
    j.close()
    assert [r.sample_id for r in read_records(path)] == ["s0", "s1"]


def test_torn_last_line_is_skipped_and_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    good = _rec(0).model_dump_json() + "\n" + _rec(1).model_dump_json() + "\n"
    path.write_text(good + _rec(2).model_dump_json()[:37])
    assert [r.sample_id for r in read_records(path)] == ["s0", "s1"]
    j = Journal(path)  # repairs the tail
    j.append(_rec(3))
    j.close()
    assert [r.sample_id for r in read_records(path)] == ["s0", "s1", "s3"]
    assert path.read_text().startswith(good)


def test_repair_tail_leaves_a_clean_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(_rec(0).model_dump_json() + "\n")
    assert repair_tail(path) is False
    path.write_text(_rec(0).model_dump_json() + '\n{"sample_id": \n')
    assert repair_tail(path) is True
    assert [r.sample_id for r in read_records(path)] == ["s0"]


def test_a_bad_line_in_the_middle_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.jsonl"
    path.write_text(_rec(0).model_dump_json() + "\nnot json\n" + _rec(1).model_dump_json() + "\n")
    with pytest.raises(UserError, match="line 2"):
        list(read_records(path))
