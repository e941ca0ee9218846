"""The run's frozen heap: objects alive at the start leave the collector's view, and come back."""

from __future__ import annotations

import gc
import threading

from harness.run.heap import frozen_heap


def test_the_heap_is_frozen_inside_and_thawed_after_nested_blocks() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # the imported modules at least
        with frozen_heap():  # a run inside a run leaves it frozen
            assert gc.get_freeze_count() >= frozen
        assert gc.get_freeze_count() >= frozen
    assert gc.get_freeze_count() == 0


def test_garbage_made_during_the_block_is_still_collected() -> None:
    class Node:
        other: object

    with frozen_heap():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a reference cycle only the collector can free
        del a, b
        assert gc.collect() >= 2


def test_runs_in_threads_thaw_when_the_last_one_ends() -> None:
    inside = threading.Barrier(2)
    leave_first = threading.Event()
    counts: dict[str, int] = {}

    def first() -> None:
        with frozen_heap():
            inside.wait()
        leave_first.set()

    def second() -> None:
        with frozen_heap():
            inside.wait()
            leave_first.wait()
            counts["after the first left"] = gc.get_freeze_count()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts["after the first left"] > 0
    assert gc.get_freeze_count() == 0
