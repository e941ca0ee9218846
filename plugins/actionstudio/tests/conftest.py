"""Shared fixtures: short tool-use trajectories and a tiny local model (no download)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.schemas import Message, ToolCall, ToolSpec, Trajectory

FIXTURES = Path(__file__).parent / "fixtures"

LOOKUP = ToolSpec(
    name="get_order_details",
    description="Status of an order.",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string", "pattern": "^#W\\d{7}$"}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
)


def short_trajectory(i: int, order: str = "#W1234567", status: str = "pending") -> Trajectory:
    """A short retail conversation: ask, look up (tool call + result), answer."""
    args = {"order_id": order}
    return Trajectory(
        id=f"short-{i}",
        source="test",
        system="You are a store agent. Be brief.",
        task_instruction=f"Ask about order {order}.",
        tools=[LOOKUP],
        messages=[
            Message(role="system", content="You are a store agent. Be brief."),
            Message(role="user", content=f"Status of {order}?"),
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall(
                        id="call_0",
                        name="get_order_details",
                        arguments=args,
                        raw_arguments=json.dumps(args),
                    )
                ],
            ),
            Message(
                role="tool",
                tool_call_id="call_0",
                name="get_order_details",
                content=json.dumps({"status": status}),
            ),
            Message(role="assistant", content=f"Order {order} is {status}."),
        ],
        reward=1.0,
    )


def write_jsonl(path: Path, trajs: list[Trajectory]) -> Path:
    path.write_text("".join(t.model_dump_json() + "\n" for t in trajs), encoding="utf-8")
    return path


def short_trajectories() -> list[Trajectory]:
    """Six records (two assistant turns each) over two statuses and six order ids."""
    return [
        short_trajectory(i, f"#W{1000000 + 137 * i}", ["pending", "delivered"][i % 2])
        for i in range(6)
    ]


@pytest.fixture
def short_data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "short.jsonl", short_trajectories())


@pytest.fixture(scope="session")
def short_data_shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same file for module-scoped training runs (read only)."""
    return write_jsonl(tmp_path_factory.mktemp("data") / "short.jsonl", short_trajectories())


@pytest.fixture(scope="session")
def one_torch_thread() -> None:
    """The tiny models train faster on one intra-op thread than on two contended ones (a shared
    2-core CI machine); set once, before any training test."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, one_torch_thread: None) -> Path:
    from harness_actionstudio.tiny import build_tiny_model

    texts = [short_trajectory(i).model_dump_json() for i in range(4)]
    return build_tiny_model(
        tmp_path_factory.mktemp("tiny") / "base", texts, seed=0, hidden=32, layers=2, vocab_size=512
    )


@pytest.fixture
def make_traj():  # -> Callable[..., Trajectory]
    return short_trajectory


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
