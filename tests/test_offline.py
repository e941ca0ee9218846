"""The suite runs offline: scripts/test puts it in a network namespace with only loopback."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.mark.skipif(
    os.environ.get("HARNESS_TEST_NETNS") != "1",
    reason="not started by scripts/test inside a network namespace",
)
def test_outside_addresses_are_unreachable_and_loopback_works() -> None:
    s = socket.socket()
    s.settimeout(3)
    with pytest.raises(OSError):
        s.connect(("151.101.0.223", 443))  # a public address: must fail at once
    s.close()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname(), timeout=3)
    client.close()
    server.close()


def test_the_harness_sets_the_offline_switches() -> None:
    import harness  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["HF_DATASETS_OFFLINE"] == "1"
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
