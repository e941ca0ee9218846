"""A fine-tuned SmolLM2 checkpoint back into GGUF, so ``llamacpp/`` can run what ``harness train``
made: ``llamacpp/<training run or checkpoint dir>``.

transformers on CPU re-reads a whole agent conversation at every step; llama.cpp keeps the KV
cache of the shared prefix and runs quantised matmuls, which makes multi-step evaluations several
times faster on the same cores. The conversion rewrites the embedded GGUF's tensors with the
checkpoint's weights (a LoRA adapter is merged first) and keeps every other field of it:
architecture, hyper-parameters, tokenizer, chat template. So it only applies to checkpoints with
the embedded model's shapes (fine-tuned from ``hf/smollm2``); anything else is a clear error.

Tensor types: norms stay float32; the matrices are written as ``q8_0`` (default), ``f16`` or
``f32``. The source's own Q4_1 is not offered: its step is coarser than what a short fine-tune
changes, so the update would mostly round away. Results are cached under the harness cache,
keyed by the checkpoint's files (names, sizes, mtimes) and the type.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from harness.errors import UserError

TYPES = ("q8_0", "f16", "f32")
_lock = threading.Lock()


def is_checkpoint(path: Path) -> bool:
    """A transformers checkpoint, a LoRA adapter or a training run holding ``final/``."""
    from harness.backends.hf.model import checkpoint_dir

    if not path.is_dir():
        return False
    ck = checkpoint_dir(path)
    return (ck / "config.json").exists() or (ck / "adapter_config.json").exists()


def _fingerprint(ck: Path, qtype: str) -> str:
    h = hashlib.sha256(f"{ck.resolve()}|{qtype}".encode())
    for f in sorted(p for p in ck.rglob("*") if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(ck)}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def gguf_for_checkpoint(path: Path, qtype: str = "q8_0", cache_dir: Path | None = None) -> Path:
    """The GGUF of the checkpoint at ``path`` (converted on first use, then cached)."""
    from harness.backends.hf.model import checkpoint_dir
    from harness.paths import cache_dir as default_cache
    from harness.paths import cache_entry_lock

    if qtype not in TYPES:
        raise UserError(f"gguf type {qtype!r}: choose one of {', '.join(TYPES)}")
    ck = checkpoint_dir(path.expanduser())
    if not is_checkpoint(ck):
        raise UserError(
            f"llamacpp/{path}: not a .gguf file, nor a checkpoint directory (config.json or "
            "adapter_config.json), nor a training run with a final/ checkpoint"
        )
    root = (cache_dir or default_cache()) / "gguf"
    target = root / f"{ck.name}-{_fingerprint(ck, qtype)}-{qtype}.gguf"
    if target.exists():
        return target
    with _lock, cache_entry_lock(target):
        if not target.exists():
            tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
            try:
                write_gguf(load_state_dict(ck), tmp, qtype)
                os.replace(tmp, target)  # a reader never sees a half-written file
            finally:
                tmp.unlink(missing_ok=True)
    return target


def load_state_dict(ck: Path) -> dict[str, Any]:
    """The checkpoint's weights as numpy float32 arrays, a LoRA adapter merged into its base."""
    from harness.backends.hf.model import HFModel

    model = HFModel(str(ck))
    model.check()
    net, _ = model.loaded()
    return {k: v.detach().float().cpu().numpy() for k, v in net.state_dict().items()}


def _permute_rows(w: Any, heads: int) -> Any:
    """Rotary layout of q/k rows: transformers keeps each head's halves apart, llama.cpp
    interleaves them (the inverse of what transformers does when it reads a GGUF)."""
    rows = w.shape[0]
    return w.reshape(heads, 2, rows // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _source() -> Any:
    import gguf

    from harness.backends.smollm2_file import smollm2_path

    return gguf.GGUFReader(str(smollm2_path()))


def write_gguf(state: dict[str, Any], out: Path, qtype: str = "q8_0") -> None:
    """Write ``state`` (transformers names) as the embedded GGUF with its tensors replaced."""
    import gguf
    import numpy as np

    src = _source()
    arch = str(src.fields["general.architecture"].contents())
    blocks = int(src.fields[f"{arch}.block_count"].contents())
    heads = int(src.fields[f"{arch}.attention.head_count"].contents())
    kv_heads = int(src.fields[f"{arch}.attention.head_count_kv"].contents())
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, blocks)
    by_gguf: dict[str, Any] = {}
    for key, value in state.items():
        mapped = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if mapped is None:
            if key.endswith("rotary_emb.inv_freq"):
                continue
            raise UserError(f"cannot export {key!r} to GGUF: not a llama tensor")
        by_gguf[mapped] = value
    embd = by_gguf.get("token_embd.weight")
    head = by_gguf.pop("output.weight", None)
    if head is not None and embd is not None and not np.array_equal(head, embd):
        by_gguf["output.weight"] = head  # untied by training: llama.cpp reads it when present
    wanted = [t.name for t in src.tensors]
    if "output.weight" in by_gguf and "output.weight" not in wanted:
        wanted.append("output.weight")
    for t in src.tensors:
        if t.name not in by_gguf:
            raise UserError(f"the checkpoint has no tensor for {t.name}: not a SmolLM2 fine-tune")
        expected = tuple(int(d) for d in reversed(t.shape.tolist()))
        got = tuple(by_gguf[t.name].shape)
        if got != expected and not (len(expected) == 1 and got == expected[:1]):
            raise UserError(
                f"{t.name}: shape {got} is not the embedded model's {expected}; only checkpoints "
                "fine-tuned from hf/smollm2 convert to GGUF (use hf/ for others)"
            )
    matrix_type = {
        "q8_0": gguf.GGMLQuantizationType.Q8_0,
        "f16": gguf.GGMLQuantizationType.F16,
        "f32": gguf.GGMLQuantizationType.F32,
    }[qtype]
    file_type = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "f32": gguf.LlamaFileType.ALL_F32}[qtype]  # fmt: skip
    writer = gguf.GGUFWriter(out, arch)
    for key, field in src.fields.items():
        if key.startswith("GGUF.") or key in ("general.architecture", "general.file_type"):
            continue
        sub = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), field.types[0], sub_type=sub)
    writer.add_file_type(int(file_type))
    for name in wanted:
        data = np.ascontiguousarray(by_gguf[name], dtype=np.float32)
        if name.endswith("attn_q.weight"):
            data = _permute_rows(data, heads)
        elif name.endswith("attn_k.weight"):
            data = _permute_rows(data, kv_heads)
        if data.ndim == 1:
            writer.add_tensor(name, data)
        else:
            writer.add_tensor(name, gguf.quants.quantize(data, matrix_type), raw_dtype=matrix_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
