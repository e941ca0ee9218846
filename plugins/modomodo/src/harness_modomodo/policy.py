"""A small learnable image-text policy for the CPU mixture loop, and its group-relative policy
gradient on the verifiable rewards.

Why not a VLM: the loop trains tens of mixtures on a shared 2-core CPU, a few minutes each; a
tiny vision-language model built from a config starts random (every reward 0) and would not get
past that in such a budget, so every mixture would score like the base model (an expectation, not
measured: GRPO on image prompts was not available on this branch). This policy is
a small CNN reading the picture, a GRU reading the question (words hashed into buckets), FiLM
conditioning of the image features on the question, and three answer heads: a box (its centre a
pointer over a 16 x 16 grid of the conditioned feature map, its width and height one of 8 steps of
4 pixels), an option (the question state matched against each option's words), a number 0-20.
An answer is written as text, ``<think>...</think><answer>...</answer>``, and scored by the same
registered metric a VLM's reply would be (``modomodo_reward``). Which head answers is the
sample's answer type (a VLM would choose its format itself; here the format is given, so the
format reward is always 1).

Training is GRPO without the KL term: ``group`` answers sampled per prompt, the advantage of each
its reward minus the group's mean over the group's standard deviation, and the loss minus the
advantage times the answer's log-probability.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from harness.schemas import Sample, SolveOutput
from harness_modomodo.synthetic import SIZE, draw

GRID = 16  # box centre: one of GRID x GRID cells of SIZE / GRID pixels
SIDES = 8  # box width and height: one of SIDES steps of SIZE / 16 pixels
NUMBERS = 21
CHOICES = 4
VOCAB = 1024
MAX_TOKENS = 40
HEADS = {"box": 0, "choice": 1, "number": 2}


def tokens(text: str) -> list[int]:
    """Words and numbers hashed into ``VOCAB - 1`` buckets (0 is padding)."""
    words = re.findall(r"[a-z]+|\d+", text.lower())[:MAX_TOKENS]
    return [1 + zlib.crc32(w.encode()) % (VOCAB - 1) for w in words]


@dataclass
class Batch:
    """Examples as tensors: images, question tokens, answer types, number of options, and the
    harness Samples the reward scores."""

    images: torch.Tensor  # N x 3 x SIZE x SIZE, float 0-1
    text: torch.Tensor  # N x MAX_TOKENS, long
    head: torch.Tensor  # N, long (HEADS)
    n_choices: torch.Tensor  # N, long
    options: torch.Tensor  # N x CHOICES x 4, long: each option's first words (hashed)
    samples: list[Sample]

    def __len__(self) -> int:
        return len(self.samples)

    def index(self, idx: Sequence[int]) -> Batch:
        i = torch.as_tensor(list(idx), dtype=torch.long)
        return Batch(
            self.images[i],
            self.text[i],
            self.head[i],
            self.n_choices[i],
            self.options[i],
            [self.samples[j] for j in idx],
        )


def make_pool(kind: str, seed: int, n: int) -> Batch:
    """``n`` synthetic examples of ``kind`` as a Batch (drawn with :func:`synthetic.draw`)."""
    from harness_modomodo.data import prompt_text
    from harness_modomodo.schemas import Example

    imgs = np.zeros((n, SIZE, SIZE, 3), dtype=np.uint8)
    text = np.zeros((n, MAX_TOKENS), dtype=np.int64)
    options = np.zeros((n, CHOICES, 4), dtype=np.int64)
    samples: list[Sample] = []
    for i in range(n):
        d = draw(kind, seed, i)
        imgs[i] = np.asarray(d.image())
        ex = Example(
            id=f"{kind}-{seed}-{i}",
            source=kind,
            image="",
            question=d.question,
            answer=d.answer,
            answer_type=d.answer_type,
            choices=d.choices,
            image_size=(SIZE, SIZE),  # type: ignore[arg-type]
        )
        toks = tokens(prompt_text(ex))
        text[i, : len(toks)] = toks
        for j, c in enumerate((d.choices or [])[:CHOICES]):
            t = tokens(c)[:4]
            options[i, j, : len(t)] = t
        samples.append(
            Sample(
                id=ex.id,
                input=prompt_text(ex),
                target=d.answer,
                metadata={
                    "answer_type": d.answer_type,
                    "choices": d.choices,
                    "image_size": [SIZE, SIZE],
                    "source": kind,
                },
            )
        )
    head = HEADS[samples[0].metadata["answer_type"]] if samples else 0
    n_choices = [len(s.metadata["choices"] or []) for s in samples]
    return Batch(
        torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 255.0,
        torch.from_numpy(text),
        torch.full((n,), head, dtype=torch.long),
        torch.tensor(n_choices, dtype=torch.long),
        torch.from_numpy(options),
        samples,
    )


def concat(batches: Sequence[Batch]) -> Batch:
    return Batch(
        torch.cat([b.images for b in batches]),
        torch.cat([b.text for b in batches]),
        torch.cat([b.head for b in batches]),
        torch.cat([b.n_choices for b in batches]),
        torch.cat([b.options for b in batches]),
        [s for b in batches for s in b.samples],
    )


class Policy(nn.Module):
    """Picture and question in, three answer heads out: the box as a centre cell (a pointer over
    the question-conditioned feature map) and a width and height; an option scored by matching
    the question's state with the option's words; a number."""

    def __init__(self, width: int = 32, dim: int = 64) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(5, 16, 3, 2, 1),
            nn.ReLU(),
            nn.Conv2d(16, width, 3, 2, 1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, 1, 1),
            nn.ReLU(),
        )
        self.embed = nn.Embedding(VOCAB, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.film = nn.Linear(dim, 2 * width)
        self.where = nn.Conv2d(width, 1, 1)
        self.squeeze = nn.Conv2d(width, 4, 1)
        self.trunk = nn.Sequential(nn.Linear(4 * GRID * GRID + dim, 128), nn.ReLU())
        self.sides = nn.Linear(128, 2 * SIDES)
        self.choice = nn.Linear(128, dim)
        self.number = nn.Linear(128, NUMBERS)
        ys, xs = torch.meshgrid(
            torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij"
        )
        self.register_buffer("coords", torch.stack([xs, ys])[None], persistent=False)

    def forward(self, b: Batch) -> dict[str, torch.Tensor]:
        x = torch.cat([b.images, self.coords.expand(len(b.images), -1, -1, -1)], dim=1)
        f = self.conv(x)
        lengths = (b.text > 0).sum(1).clamp(min=1)
        out, _ = self.gru(self.embed(b.text))
        q = out[torch.arange(len(b.text)), lengths - 1]
        gamma, beta = self.film(q).chunk(2, dim=1)
        f = torch.relu(f * (1 + gamma[:, :, None, None]) + beta[:, :, None, None])
        h = self.trunk(torch.cat([self.squeeze(f).flatten(1), q], dim=1))
        opt = self.embed(b.options).sum(2)  # N x CHOICES x dim
        return {
            "centre": self.where(f).flatten(1),
            "sides": self.sides(h).view(-1, 2, SIDES),
            "choice": torch.einsum("nd,ncd->nc", self.choice(h), opt),
            "number": self.number(h),
        }


def _dists(logits: dict[str, torch.Tensor], batch: Batch) -> dict[str, Any]:
    mask = torch.arange(CHOICES)[None] >= batch.n_choices.clamp(min=1)[:, None]
    cat = torch.distributions.Categorical
    return {
        "centre": cat(logits=logits["centre"]),
        "sides": cat(logits=logits["sides"]),
        "choice": cat(logits=logits["choice"].masked_fill(mask, -1e9)),
        "number": cat(logits=logits["number"]),
    }


def render(head: int, centre: int, sides: Sequence[int], choice: int, number: int) -> str:
    """The policy's answer as a reply a reward metric reads."""
    if head == HEADS["box"]:
        cell = SIZE // GRID
        cx, cy = (centre % GRID) * cell + cell / 2, (centre // GRID) * cell + cell / 2
        w, h = ((int(v) + 1) * SIZE / 16 for v in sides)
        box = (round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2))
        ans = "[{}, {}, {}, {}]".format(*box)
    elif head == HEADS["choice"]:
        ans = "ABCD"[int(choice)]
    else:
        ans = str(int(number))
    return f"<think>I look at the picture.</think><answer>{ans}</answer>"


def act(
    policy: Policy, batch: Batch, group: int = 1, greedy: bool = False
) -> tuple[list[str], torch.Tensor]:
    """``group`` answers per example (sampled, or the most likely) and their log-probabilities,
    example-major (example 0's answers first)."""
    d = _dists(policy(batch), batch)
    if greedy:
        picks = {k: v.probs.argmax(-1)[None] for k, v in d.items()}
    else:
        picks = {k: v.sample((group,)) for k, v in d.items()}  # group x N (x 2)
    logp = torch.stack(
        [
            d["centre"].log_prob(picks["centre"]) + d["sides"].log_prob(picks["sides"]).sum(-1),
            d["choice"].log_prob(picks["choice"]),
            d["number"].log_prob(picks["number"]),
        ],
        dim=-1,
    )  # group x N x 3
    head = batch.head[None, :, None].expand(logp.shape[0], -1, 1)
    logp = logp.gather(2, head).squeeze(2).T.reshape(-1)  # N * group, example-major
    heads = batch.head.tolist()
    texts = [
        render(
            heads[i],
            int(picks["centre"][g, i]),
            picks["sides"][g, i].tolist(),
            int(picks["choice"][g, i]),
            int(picks["number"][g, i]),
        )
        for i in range(len(batch))
        for g in range(picks["centre"].shape[0])
    ]
    return texts, logp


Scorer = Callable[[Sample, str], float]


def metric_scorer(metric: Any) -> Scorer:
    """A registered metric as the reward of one reply."""
    return lambda sample, text: float(metric.score(sample, SolveOutput(completion=text)).value or 0)


def grpo_step(
    policy: Policy, opt: torch.optim.Optimizer, batch: Batch, reward: Scorer, group: int
) -> dict[str, float]:
    """One update on ``batch`` (each prompt answered ``group`` times)."""
    texts, logp = act(policy, batch, group)
    samples = [s for s in batch.samples for _ in range(group)]
    r = torch.tensor([reward(s, t) for s, t in zip(samples, texts, strict=True)])
    rg = r.view(-1, group)
    adv = ((rg - rg.mean(1, keepdim=True)) / (rg.std(1, keepdim=True) + 1e-4)).view(-1)
    loss = -(adv * logp).mean()
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    opt.step()
    return {"reward": float(r.mean()), "loss": float(loss.detach())}


@torch.no_grad()
def evaluate(policy: Policy, pool: Batch, accuracy: Scorer) -> float:
    """Mean accuracy of the most likely answers on ``pool``."""
    policy.eval()
    texts, _ = act(policy, pool, greedy=True)
    policy.train()
    return float(np.mean([accuracy(s, t) for s, t in zip(pool.samples, texts, strict=True)]))
