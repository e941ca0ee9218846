"""``harness generate modomodo-synthetic`` (the synthetic image-text set as files),
``modomodo-import`` (a user's copy of one of the paper's datasets as the same records) and
``modomodo-fit`` (the mixture-outcome model from a CSV of (mixture, score) pairs) and
``modomodo-mixture`` (a prompt file drawn by a mixture, for ``harness train grpo``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import UserError
from harness.jobs import Generator, JobContext
from harness_modomodo.options import (
    FitOptions,
    ImportOptions,
    MixtureDataOptions,
    SyntheticOptions,
)


class SyntheticGenerator(Generator):
    name: ClassVar[str] = "modomodo-synthetic"
    description: ClassVar[str] = "The synthetic image-text set (PNG + records.jsonl)."
    Options = SyntheticOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness_modomodo.synthetic import KINDS, write_set

        o: SyntheticOptions = self.options
        bad = sorted(set(o.kinds) - set(KINDS))
        if bad:
            raise UserError(f"unknown kind(s) {', '.join(bad)}; kinds: {', '.join(KINDS)}")
        path = write_set(ctx.out_dir, o.kinds, o.per_kind, ctx.seed)
        return {"records": str(path), "examples": len(o.kinds) * o.per_kind, "kinds": o.kinds}


class ImportGenerator(Generator):
    name: ClassVar[str] = "modomodo-import"
    description: ClassVar[str] = "A local copy of COCO/LISA/GeoQA/SAT/ScienceQA as records."
    Options = ImportOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness_modomodo.data import load_source

        o: ImportOptions = self.options
        if not o.dataset or not o.path:
            raise UserError(
                "modomodo-import needs --dataset (coco, lisa, geoqa, sat, scienceqa) "
                "and --path (a local copy)"
            )
        rows = load_source(o.dataset, Path(o.path), o.limit, image_cache=ctx.out_dir / "images")
        path = ctx.out_dir / "records.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for ex in rows:
                f.write(ex.model_dump_json() + "\n")
        return {"records": str(path), "examples": len(rows), "dataset": o.dataset}


class FitGenerator(Generator):
    name: ClassVar[str] = "modomodo-fit"
    description: ClassVar[str] = "Quadratic and linear mixture-outcome fits, k-fold CV, w*, PNG."
    Options = FitOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness_modomodo.surrogate import read_pairs, report

        o: FitOptions = self.options
        if not o.pairs:
            raise UserError("modomodo-fit needs --pairs: a CSV of mixture weights and out_score")
        sources, W, y = read_pairs(Path(o.pairs), o.score_column)
        rep = report(W, y, sources, o.folds, o.ridge, ctx.seed, plot=ctx.out_dir / "fit.png")
        (ctx.out_dir / "fit.json").write_text(json.dumps(rep, indent=2), encoding="utf-8")
        return {k: rep[k] for k in ("sources", "n", "cv", "best", "predicted_best", "plot")}


class MixtureDataGenerator(Generator):
    """``prompts.jsonl`` drawn from the sources by a mixture (:class:`MixtureStream`), in the form
    ``harness train grpo`` reads: ``prompt`` (the question as the model sees it), ``image`` (the
    picture's path), ``target`` (the answer), and the fields the rewards read (``answer_type``,
    ``choices``, ``image_size``), so ``--rewards modomodo_reward`` scores each rollout."""

    roles = ()
    name: ClassVar[str] = "modomodo-mixture"
    description: ClassVar[str] = "GRPO prompts drawn from the sources by a mixture."
    Options = MixtureDataOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness_modomodo.data import prompt_text, read_examples
        from harness_modomodo.mixture import MixtureStream, heuristic, parse_weights, uniform
        from harness_modomodo.synthetic import ID_KINDS, write_set

        o: MixtureDataOptions = self.options
        files = [Path(r).expanduser() for r in o.records]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise UserError(f"--records: no such file {missing[0]}")
        if not files:
            files = [write_set(ctx.out_dir / "pool", list(ID_KINDS), o.per_kind, ctx.seed)]
        pools: dict[str, list[Any]] = {}
        for f in files:
            for ex in read_examples(f):
                image = Path(ex.image)
                image = image if image.is_absolute() else (f.parent / image).resolve()
                pools.setdefault(ex.source, []).append(ex.model_copy(update={"image": str(image)}))
        sources = sorted(pools)
        sizes = [float(len(pools[s])) for s in sources]
        if o.weights == "uniform":
            weights = uniform(len(sources))
        elif o.weights in ("size", "sqrt-size", "inverse-size"):
            weights = heuristic(o.weights, sizes)
        else:
            weights = parse_weights(o.weights, sources)
        stream = MixtureStream(pools, weights, seed=ctx.seed)
        counts = dict.fromkeys(sources, 0)
        with (ctx.out_dir / "prompts.jsonl").open("w", encoding="utf-8") as f:
            for i, (src, ex) in enumerate(stream.take(o.n)):
                counts[src] += 1
                row = {"id": f"{i}-{ex.id}", "source": src, "prompt": prompt_text(ex),
                       "image": ex.image, "target": ex.answer, "answer_type": ex.answer_type,
                       "choices": ex.choices, "image_size": list(ex.image_size)}  # fmt: skip
                f.write(json.dumps(row) + "\n")
        mixture = {"sources": sources, "weights": weights, "counts": counts, "sizes": sizes}
        (ctx.out_dir / "mixture.json").write_text(json.dumps(mixture, indent=2), encoding="utf-8")
        return {**mixture, "prompts": o.n, "output": str(ctx.out_dir / "prompts.jsonl")}
