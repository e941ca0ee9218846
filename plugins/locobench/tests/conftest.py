"""Shared helpers: a language whose toolchain is missing skips its tests with the reason, and
fails them when CI=true (CI must install every toolchain the plugin scores)."""

from __future__ import annotations

import os

import pytest


def need_toolchain(language: str) -> None:
    from harness_locobench.langs import missing_toolchain

    tool = missing_toolchain(language)
    if tool is None:
        return
    why = (
        f"{language}: {tool} is not installed or not usable, so its builds and tests are not scored"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(why + " (CI=true: install it)")
    pytest.skip(why)


@pytest.fixture
def toolchain():  # type: ignore[no-untyped-def]
    """``toolchain("c")``: skip (or, with CI=true, fail) unless C's tools are installed."""
    return need_toolchain
