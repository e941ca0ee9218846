"""Fixtures starting real servers on 127.0.0.1 (subprocesses with bounded lifetimes)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from launch import Server, start_fault_server, start_llama_server


@pytest.fixture
def fault_server() -> Iterator[type[Server]]:
    started: list[Server] = []

    class Starter:
        @staticmethod
        def start(**opts: object) -> Server:
            server = start_fault_server(lifetime=300, **opts)
            started.append(server)
            return server

    yield Starter  # type: ignore[misc]
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def llama_server() -> Iterator[Server]:
    from harness.backends.llamacpp.model import smollm2_path

    # the lifetime only reaps a server a crashed test left behind; on a loaded machine the
    # three paths of the test have taken over 10 minutes, so it must outlast that
    server = start_llama_server(smollm2_path(), lifetime=1800)
    try:
        yield server
    finally:
        server.stop()
