"""One SFT step with logits for every position against logits for the labelled positions only
(ActionStudio's collator, ``labelled_logits_only``), on SmolLM2-135M with LoRA, same batches.

    python bench/bench_sft_logits.py                      # SpecTool oracle trajectories
    python bench/bench_sft_logits.py --data FILE.jsonl    # any ActionStudio training data
    python bench/bench_sft_logits.py --reps 4 --batch-size 2 --max-seq-length 1280

Without ``--data`` it writes SpecTool's oracle trajectories (``harness generate
spectool-oracle``, text protocol, train split) to a temporary folder: agent trajectories, where
the system prompt and the tool observations are most of the tokens and carry no label. Each
repetition times a forward and backward pass of the same batch both ways, alternating which goes
first; it prints the median seconds of each, their ratio, the loss of each (they must agree) and
the share of positions that are labelled, real or padding. Run it on an idle machine. Memory
grows with batch x length: a batch of 4 at length 2304 was killed at 20 GB with full logits.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def spectool_data(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "harness", "generate", "spectool-oracle", "--out", str(folder),
         "-T", "split=train", "-T", 'protocols=["text"]'],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return next(folder.glob("*/trajectories.jsonl"))


def step(model: Any, batch: dict[str, Any]) -> tuple[float, float]:
    model.zero_grad()
    t = time.perf_counter()
    loss = model(**batch).loss
    loss.backward()
    return time.perf_counter() - t, loss.item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument(
        "--batches", type=int, default=3, help="distinct batches, each timed --reps times"
    )
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seq-length", type=int, default=1280)
    args = ap.parse_args()

    import torch
    from harness_actionstudio import sft
    from harness_actionstudio.options import TrainOptions

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or spectool_data(Path(tmp) / "data")
        opts = TrainOptions(
            data=[str(data)], base_model="smollm2", lora=True, max_seq_length=args.max_seq_length
        )
        out = Path(tmp) / "prep"
        out.mkdir()
        prep = sft.prepare(opts, out, 0)
    tok = prep["tokenizer"]
    model = sft._model(opts, prep["base"], tok, prep["added_tokens"])
    model.train()
    ds = prep["dataset"]
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(ds), generator=g).tolist()
    times: dict[bool, list[float]] = {False: [], True: []}
    shares = {"labelled": 0, "real": 0, "padded": 0}
    for b in range(args.batches):
        rows = [ds[i] for i in order[b * args.batch_size : (b + 1) * args.batch_size]]
        batches = {flag: sft.collate(tok.pad_token_id, flag)(rows) for flag in (False, True)}
        full = batches[False]
        shares["labelled"] += int((full["labels"][:, 1:] != -100).sum())
        shares["real"] += int(full["attention_mask"].sum())
        shares["padded"] += full["labels"].numel()
        step(model, full)  # warm-up: allocator and kernels for this shape
        for r in range(args.reps):
            for flag in (r % 2 == 0, r % 2 != 0):
                seconds, loss = step(model, batches[flag])
                times[flag].append(seconds)
                print(
                    f"batch {b} rep {r} {'labelled' if flag else 'full'}: {seconds:.2f} s, "
                    f"loss {loss:.6f}"
                )
    full_s, sliced_s = statistics.median(times[False]), statistics.median(times[True])
    n = shares["padded"]
    print(
        f"\npositions: {shares['labelled'] / n:.0%} labelled, {shares['real'] / n:.0%} real "
        f"tokens, {1 - shares['real'] / n:.0%} padding ({n} in {args.batches} batches of "
        f"{args.batch_size})"
    )
    print(f"median step: full logits {full_s:.2f} s, labelled only {sliced_s:.2f} s")
    print(f"ratio full / labelled-only: {full_s / sliced_s:.2f}x")


if __name__ == "__main__":
    main()
