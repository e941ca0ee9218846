"""Where a local engine's weights come from: a local directory, or a hub id the user named.

The harness runs with ``HF_HUB_OFFLINE=1`` (set in ``harness/__init__.py``), so nothing downloads
by accident. ``hf/<hub id>`` and ``vllm/<hub id>`` are the exception: the user named the weights,
so :func:`resolve_weights` lifts offline mode for that one snapshot download (the hub cache is
tried first, without network), then both backends load from the local snapshot directory. A name
that is neither an existing path nor shaped like ``org/name`` is an error, named with the fix.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import UserError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_lock = threading.Lock()


def looks_like_hub_id(name: str) -> bool:
    return bool(_HUB_ID.match(name)) and not name.startswith((".", "~")) and ".." not in name


@contextmanager
def hub_online() -> Iterator[None]:
    """Lift the harness's offline mode for the duration of one download."""
    import huggingface_hub.constants as constants

    with _lock:
        saved = {k: os.environ.get(k) for k in _ENV}
        saved_flag = constants.HF_HUB_OFFLINE
        for k in _ENV:
            os.environ[k] = "0"
        constants.HF_HUB_OFFLINE = False
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            constants.HF_HUB_OFFLINE = saved_flag


def resolve_weights(name: str, spec: str, *, download: bool = True) -> Path:
    """A local directory for ``name``: the path itself, or the snapshot of the named hub id."""
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise UserError(f"{spec}: {path} is a file; give the checkpoint's directory")
        return path.resolve()
    if not looks_like_hub_id(name):
        raise UserError(
            f"{spec}: no such directory {path}; give a checkpoint directory (config.json, "
            "tokenizer and weights) or a hub id such as org/model"
        )
    from huggingface_hub import snapshot_download

    try:  # already in the local hub cache: no network at all
        return Path(snapshot_download(name, local_files_only=True))
    except Exception:
        if not download:
            raise UserError(f"{spec}: {name} is not in the local hub cache") from None
    try:
        with hub_online():
            return Path(snapshot_download(name))
    except Exception as exc:
        raise UserError(
            f"{spec}: could not download {name} from the hub ({type(exc).__name__}: {exc}); "
            "check the id and your network, or give a local checkpoint directory"
        ) from None
