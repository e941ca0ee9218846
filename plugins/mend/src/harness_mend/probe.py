"""A linear probe for knowledge extraction, per form (our definition; the paper's probe set-up
is not public).

For each logic problem and each form, the model reads the form's prompt (the task's system
instruction and the query, rendered by the checkpoint's chat template) and we take the hidden
state of one named layer at the *last token of the question*. A multinomial logistic regression
(scikit-learn) predicts from it the value of the queried premise: the container or room that
directly holds the object the question asks about (``Problem.query``). The value is *decodable*
in a form when the lower end of the 95% CI of the probe's held-out accuracy is above the
baseline, the share of the most frequent value (what always answering it scores).

Two scores per form, both over the same k folds of *problems* (a problem's forms are never split
between training and test):

* ``within``: probe trained and tested on that form;
* ``transfer``: probe trained on the original form, tested on that form of the held-out
  problems: does the model put the fact in the same place whatever the premise order and
  distractors?

Layer ``L`` means ``hidden_states[L]`` of a transformers causal LM: 0 is the embeddings, ``L``
the output of decoder block ``L`` (``model.layers[L-1]``); negative counts from the end.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness_mend.forms import FORMS, make_forms
from harness_mend.problems import Problem, load_distractors
from harness_mend.task import INSTRUCTIONS


def checkpoint_dir(spec: str) -> Path:
    """``hf/DIR`` or ``DIR``: a local transformers checkpoint (defaults never download)."""
    path = Path(spec.removeprefix("hf/")).expanduser()
    if not (path / "config.json").exists():
        raise UserError(
            f"mend-probe: {spec} is not a transformers checkpoint directory (no config.json)"
        )
    return path


def question_end(rendered: str, question: str) -> int:
    """Index just past the question in the rendered prompt (its last occurrence)."""
    at = rendered.rfind(question)
    if at < 0:
        raise UserError("mend-probe: the chat template changed the question text")
    return at + len(question)


class Encoder:
    """A checkpoint's hidden state at one layer, at the last token of a prompt prefix."""

    def __init__(self, path: Path, layer: int, threads: int = 1) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(threads)
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        self.model.eval()
        n = int(self.model.config.num_hidden_layers)
        if not -(n + 1) <= layer <= n:
            raise UserError(f"mend-probe: layer {layer} is out of range for {n} layers (0..{n})")
        self.layer = layer if layer >= 0 else n + 1 + layer
        self.layers = n

    def render(self, system: str, user: str) -> str:
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        if getattr(self.tok, "chat_template", None):
            return str(self.tok.apply_chat_template(msgs, tokenize=False))
        return f"{system}\n\n{user}"

    def state(self, system: str, user: str, question: str) -> list[float]:
        import torch

        text = self.render(system, user)
        prefix = text[: question_end(text, question)]
        ids = self.tok(prefix, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            out = self.model(**ids, output_hidden_states=True)
        return [float(x) for x in out.hidden_states[self.layer][0, -1]]


def folds(n: int, k: int, seed: int) -> list[list[int]]:
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return [idx[i::k] for i in range(k)]


def probe_scores(
    features: dict[str, list[list[float]]], labels: Sequence[str], k: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Per form: held-out 0/1 correctness per problem of the ``within`` and ``transfer`` probes
    (see the module docstring); a fold whose training labels are all one value predicts it."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    y = np.array(labels)
    n = len(y)
    k = max(2, min(k, n))
    hits: dict[str, dict[str, list[float]]] = {
        f: {"within": [0.0] * n, "transfer": [0.0] * n} for f in features
    }

    def fit(x: Any, labels_: Any) -> Any:
        if len(set(labels_)) < 2:
            return None
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
        return clf.fit(x, labels_)

    with threadpool_limits(1):  # tiny fits: BLAS threads only contend on a shared machine
        _cross_validate(features, y, k, seed, hits, fit)
    return hits


def _cross_validate(
    features: dict[str, list[list[float]]], y: Any, k: int, seed: int, hits: Any, fit: Any
) -> None:
    import numpy as np

    n = len(y)
    for test in folds(n, k, seed):
        train = [i for i in range(n) if i not in set(test)]
        major = max(sorted(set(y[train])), key=list(y[train]).count)
        x_orig = np.array(features["original"])
        base = fit(x_orig[train], y[train])
        for f, rows in features.items():
            x = np.array(rows)
            own = fit(x[train], y[train])
            for i in test:
                h = hits[f]
                h["within"][i] = float((own.predict(x[[i]])[0] if own else major) == y[i])
                h["transfer"][i] = float((base.predict(x[[i]])[0] if base else major) == y[i])


def summarize(hits: dict[str, dict[str, list[float]]], labels: Sequence[str]) -> dict[str, Any]:
    """Mean and bootstrap CI per form and probe; ``baseline`` is the share of the most frequent
    value (what always answering it scores)."""
    from harness.stats import bootstrap_ci

    base = max(list(labels).count(v) for v in set(labels)) / len(labels)
    out: dict[str, Any] = {}
    for form, kinds in hits.items():
        row: dict[str, Any] = {}
        for kind, vals in kinds.items():
            lo, hi = bootstrap_ci(vals)
            row[kind] = {"mean": sum(vals) / len(vals), "ci_low": lo, "ci_high": hi, "n": len(vals)}
        row["baseline"] = base
        row["decodable"] = bool((row["within"]["ci_low"] or 0) > base)
        out[form] = row
    return out


def run_probe(
    encoder: Encoder, problems: Sequence[Problem], distractors: int, seed: int, k: int
) -> dict[str, Any]:
    """Hidden states of every form of every problem, the probes, and a summary per form."""
    pool = load_distractors()
    features: dict[str, list[list[float]]] = {f: [] for f in FORMS}
    labels: list[str] = []
    for p in problems:
        if p.query is None:
            raise UserError(f"mend-probe: problem {p.id} has no query (probe needs one)")
        forms = make_forms(p, pool, distractors, seed)
        if forms.unsplit_reason:
            continue
        labels.append(p.query.value)
        for f in FORMS:
            text = forms.forms[f].text
            features[f].append(encoder.state(INSTRUCTIONS[p.kind], text, forms.question))
    if len(labels) < 4:
        raise UserError("mend-probe: fewer than 4 problems to probe; raise --n-logic")
    return summarize(probe_scores(features, labels, k, seed), labels)
