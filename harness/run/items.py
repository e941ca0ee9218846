"""``harness generate`` for an :class:`harness.jobs.ItemGenerator`: the item journal, resume, Ray.

The driver (the ``harness generate`` process) asks the generator for its items, runs the ones the
journal (``items.jsonl`` in the run directory) does not hold yet, in this process or on Ray
workers, and alone appends each finished item's output to the journal as it comes back (one JSON
line, flushed: a kill loses at most the items in flight, never a finished one). When every item
is there it hands the outputs, in the generator's own order, to ``finish``, which writes the
dataset. So a resumed or Ray job writes the same files as one uninterrupted local job: each
item's model calls carry the item's seed (``derive_seed(job seed, item id, 0)``), whatever
process or order produced it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.jobs import ItemGenerator, JobContext, WorkItem
from harness.run.journal import repair_tail
from harness.seeds import derive_seed

JOURNAL = "items.jsonl"


def read_journal(path: Path) -> dict[str, Any]:
    """item id -> output, of the items an earlier attempt finished (a torn last line is cut)."""
    done: dict[str, Any] = {}
    if not path.exists():
        return done
    repair_tail(path)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            done[str(row["id"])] = row["output"]
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{path}, line {lineno}: not an item record") from None
    return done


async def drive(plugin: ItemGenerator, ctx: JobContext, executor: Any = None) -> dict[str, Any]:
    """Plan, produce what the journal lacks (here or with ``executor``), then finish."""
    items = await plugin.plan(ctx)
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise UserError(f"generator '{plugin.name}' listed item '{dup}' twice")
    path = ctx.out_dir / JOURNAL
    done = read_journal(path)
    stray = sorted(set(done) - set(ids))
    if stray:
        raise UserError(
            f"{path} holds item '{stray[0]}', which these options do not make: the run was "
            "started with other options (start a new run)"
        )
    todo = [i for i in items if i.id not in done]
    ctx.log("items", planned=len(items), done=len(done), todo=len(todo))
    gate = asyncio.Semaphore(max(1, plugin.concurrency()))
    with path.open("a", encoding="utf-8") as journal:

        async def one(item: WorkItem) -> None:
            async with gate:
                if executor is not None:
                    out_json, events = await executor.produce(item)
                else:
                    ictx = ctx.item_context(item.id)
                    out_json = json.dumps(await plugin.produce(ictx, item))
                    events = ictx.events
            row = {"id": item.id, "seed": derive_seed(ctx.seed, item.id, 0)}
            line = json.dumps({**row, "output": json.loads(out_json)}, ensure_ascii=False)
            journal.write(line + "\n")
            journal.flush()
            done[item.id] = json.loads(out_json)
            for ev in events:
                ctx.log(**ev)

        tasks = [asyncio.ensure_future(one(i)) for i in todo]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return await plugin.finish(ctx, items, [done[i] for i in ids])
