"""Secrets never reach a file or a message the harness writes.

A secret is a value under a secret-looking name (``api_key``, ``token``, ``password``,
``Authorization``, ... : :func:`is_secret_name`) or a backend argument its ``Args`` model marks
with ``Field(json_schema_extra={"secret": True})`` (or types as ``SecretStr``). Two layers keep
them off disk: :func:`redact` replaces them by name in structured data (``run.json``'s model
arguments, cache keys), and every secret value seen is remembered so :func:`scrub` can cut it out
of free text (journal lines, error messages) wherever a server or library echoed it back.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, SecretStr

REDACTED = "***"

_SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "authorization",
        "auth",
        "credential",
        "credentials",
        "cookie",
    }
)
# free-text shapes of credentials, for text where no name tells (a header echoed in an error)
_SECRET_TEXT = re.compile(r"(?i)(\bbearer\s+|\bbasic\s+)[A-Za-z0-9._~+/=-]{8,}")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_KNOWN: set[str] = set()


def is_secret_name(name: str) -> bool:
    """True for names that hold credentials: ``api_key``, ``x-api-key``, ``auth_token``,
    ``Authorization``. Not ``api_key_env`` (the *name* of a variable) nor ``max_tokens``."""
    if not _IDENTIFIER.match(name):  # a dict key that is data (a question text), not a name
        return False
    parts = [p for p in re.split(r"[^a-z0-9]+", name.lower()) if p]
    if not parts or parts[-1] == "env":
        return False
    return any(p in _SECRET_WORDS for p in parts)


def remember(value: object) -> None:
    """Note a secret value so :func:`scrub` removes it from any text later."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str) and len(value) >= 4 and value != REDACTED:
        _KNOWN.add(value)


def redact(data: Any) -> Any:
    """``data`` with every value under a secret name replaced by ``***`` (recursively);
    the values replaced are remembered for :func:`scrub`."""
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for k, v in data.items():
            if isinstance(k, str) and is_secret_name(k) and v not in (None, "", REDACTED):
                remember(v)
                out[k] = REDACTED
            else:
                out[k] = redact(v)
        return out
    if isinstance(data, list | tuple):
        return [redact(v) for v in data]
    if isinstance(data, SecretStr):
        remember(data)
        return REDACTED
    return data


def secret_fields(model: type[BaseModel]) -> set[str]:
    """The fields of an ``Args`` model that hold secrets: marked, typed ``SecretStr``, or named
    like one."""
    out = set()
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        marked = isinstance(extra, dict) and bool(extra.get("secret"))
        if marked or info.annotation is SecretStr or is_secret_name(name):
            out.add(name)
    return out


def redact_args(args: BaseModel) -> dict[str, Any]:
    """A backend's arguments as JSON, secrets replaced (and remembered)."""
    dumped = args.model_dump(mode="json")
    for name in secret_fields(type(args)):
        value = getattr(args, name, None)
        if value not in (None, ""):
            remember(value)
            dumped[name] = REDACTED
    return redact(dumped)  # type: ignore[no-any-return]


def scrub(text: str) -> str:
    """``text`` with every remembered secret and every ``Bearer ...`` credential cut out."""
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return _SECRET_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
