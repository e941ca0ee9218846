"""llamacpp/<checkpoint>: a transformers checkpoint fine-tuned from hf/smollm2, converted back to
GGUF (the embedded GGUF's metadata and tokenizer, the checkpoint's tensors)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("llama_cpp", reason="the embedded extra is not installed")
pytest.importorskip("transformers", reason="the hf extra is not installed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from harness.backends.hf.smollm2 import smollm2_checkpoint
    from harness.backends.llamacpp.export import gguf_for_checkpoint

    ck = smollm2_checkpoint()
    return ck, gguf_for_checkpoint(ck, "q8_0", cache_dir=tmp_path_factory.mktemp("cache"))


def test_the_conversion_keeps_metadata_and_tokenizer_and_holds_the_weights(
    converted: tuple[Path, Path],
) -> None:
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    from harness.backends.llamacpp.export import _permute_rows
    from harness.backends.llamacpp.model import smollm2_path

    ck, out = converted
    src, new = gguf.GGUFReader(str(smollm2_path())), gguf.GGUFReader(str(out))
    for key, field in src.fields.items():
        if key.startswith("GGUF.") or key == "general.file_type":
            continue
        if field.types[0] == gguf.GGUFValueType.ARRAY:  # the vocabulary: ~100k parts
            assert len(new.fields[key].data) == len(field.data), key
            ends = [*field.data[:50], *field.data[-50:]]
            new_ends = [*new.fields[key].data[:50], *new.fields[key].data[-50:]]
            assert [new.fields[key].parts[i].tobytes() for i in new_ends] == [
                field.parts[i].tobytes() for i in ends
            ], key
        else:
            assert new.fields[key].contents() == field.contents(), key
    assert new.fields["general.file_type"].contents() == int(gguf.LlamaFileType.MOSTLY_Q8_0)
    assert [(t.name, t.shape.tolist()) for t in new.tensors] == [
        (t.name, t.shape.tolist()) for t in src.tensors
    ]
    weights = load_file(str(next(ck.glob("*.safetensors"))))
    tensors = {t.name: t for t in new.tensors}
    q = tensors["blk.3.attn_q.weight"]
    assert q.tensor_type == gguf.GGMLQuantizationType.Q8_0
    back = gguf.quants.dequantize(q.data, q.tensor_type).reshape(576, 576)
    want = _permute_rows(weights["model.layers.3.self_attn.q_proj.weight"], 9)
    step = np.abs(want).max() / 127  # the coarsest q8_0 step any block of it can have
    assert np.abs(back - want).max() <= step
    norm = tensors["blk.3.attn_norm.weight"]
    assert norm.tensor_type == gguf.GGMLQuantizationType.F32
    assert np.array_equal(norm.data, weights["model.layers.3.input_layernorm.weight"])


def test_llamacpp_runs_the_checkpoint_as_hf_does(converted: tuple[Path, Path]) -> None:
    from harness.backends.hf.model import HFModel
    from harness.backends.llamacpp.model import LlamaCppModel
    from harness.schemas import GenerateConfig, Message

    ck, out = converted
    msgs = [Message(role="user", content="What is the capital of France?")]
    cfg = GenerateConfig(max_tokens=8)
    via_gguf: Any = LlamaCppModel.create(str(out), {"system_prompt": None})
    via_hf: Any = HFModel.create(str(ck), {})
    a = asyncio.run(via_gguf.generate(msgs, None, cfg)).text
    b = asyncio.run(via_hf.generate(msgs, None, cfg)).text
    assert a == b and "Paris" in a


def test_a_directory_that_is_not_a_model_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    r = subprocess.run(
        [sys.executable, "-m", "harness", "run", "sanity", "--model", f"llamacpp/{tmp_path}",
         "--limit", "1", "--out", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "checkpoint" in r.stderr and str(tmp_path) in r.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_checkpoint_of_another_shape_is_refused_by_name(tmp_path: Path) -> None:
    from harness.backends.hf.tiny import build_tiny_checkpoint
    from harness.backends.llamacpp.export import gguf_for_checkpoint
    from harness.errors import UserError

    build_tiny_checkpoint(tmp_path / "tiny", seed=0)
    with pytest.raises(UserError, match=r"fine-tuned from hf/smollm2|not a llama tensor"):
        gguf_for_checkpoint(tmp_path / "tiny", cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache" / "gguf").glob("*.gguf"))  # nothing half-written kept
    assert json.loads((tmp_path / "tiny" / "config.json").read_text())  # the checkpoint untouched
