"""The plugin catalogue (``registry/catalogue.json``): known plugins, installed or not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UserError

CATALOGUE_PATH = Path(__file__).parent.parent / "data" / "registry" / "catalogue.json"
SCHEMA_PATH = Path(__file__).parent.parent / "data" / "registry" / "catalogue.schema.json"


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:  # lazy: CATALOGUE_SCHEMA is read from the file on first use
    if name == "CATALOGUE_SCHEMA":
        return _schema()
    raise AttributeError(name)


def load_catalogue(path: Path = CATALOGUE_PATH) -> list[dict[str, Any]]:
    import jsonschema

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"plugin catalogue {path} cannot be read: {exc}") from None
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as exc:
        raise UserError(f"plugin catalogue {path} is invalid: {exc.message}") from None
    return list(data["plugins"])
