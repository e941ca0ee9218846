"""Mixtures on the simplex, the stream's empirical proportions, and the mixture-outcome model:
it recovers a known quadratic from noisy pairs (argmax within 0.1 in L2) where the linear
baseline cannot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from harness_modomodo.mixture import (
    MixtureStream,
    check_weights,
    design,
    dirichlet,
    heuristic,
    parse_weights,
)
from harness_modomodo.surrogate import argmax_simplex, fit, read_pairs, report

from harness.errors import UserError

SOURCES = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0.5, 0.6, -0.1, 0.0, 0.0], "must not be negative"),
        ([0.2, 0.2, 0.2, 0.2, 0.1], "must sum to 1"),
        ([0.5, 0.5], "2 weights for 5 sources"),
        ([float("nan"), 1, 0, 0, 0], "finite"),
    ],
)
def test_bad_weights_are_clear_errors(weights: list[float], message: str) -> None:
    with pytest.raises(UserError, match=message):
        check_weights(weights, SOURCES)


def test_parse_and_make_mixtures() -> None:
    assert parse_weights("a=0.5,c=0.5", SOURCES) == [0.5, 0, 0.5, 0, 0]
    assert parse_weights("0.2,0.2,0.2,0.2,0.2", SOURCES) == [0.2] * 5
    with pytest.raises(UserError, match="unknown source"):
        parse_weights("z=1", SOURCES)
    with pytest.raises(UserError, match="numbers"):
        parse_weights("a=x", SOURCES)
    for w in dirichlet(5, 20, seed=1):
        check_weights(w, SOURCES)
    assert dirichlet(5, 3, seed=1) == dirichlet(5, 3, seed=1) != dirichlet(5, 3, seed=2)
    assert heuristic("size", [1, 3]) == [0.25, 0.75]
    assert heuristic("inverse-size", [1, 3]) == pytest.approx([0.75, 0.25])
    labels = [label for label, _ in design(5, 4, seed=0)]
    assert labels[:2] == ["uniform", "single-0"] and len(labels) == 10


def test_stream_honours_the_weights() -> None:
    pools = {s: [f"{s}{i}" for i in range(7)] for s in SOURCES}
    w = [0.5, 0.25, 0.15, 0.1, 0.0]
    got = MixtureStream(pools, w, seed=3).take(20_000)
    counts = {s: 0 for s in SOURCES}
    for src, item in got:
        assert item.startswith(src)
        counts[src] += 1
    for s, want in zip(SOURCES, w, strict=True):
        assert abs(counts[s] / 20_000 - want) < 0.012, (s, counts)
    assert MixtureStream(pools, w, seed=3).take(50) == got[:50]
    # every item of a source is used once before any is repeated
    a_items = [item for src, item in got if src == "a"][:7]
    assert sorted(a_items) == sorted(pools["a"])
    with pytest.raises(UserError, match="empty source"):
        MixtureStream({"a": [], "b": [1]}, [0.5, 0.5])


def _true(W: np.ndarray) -> np.ndarray:
    # an interior optimum with interactions: sources 0 and 2 help together, 4 hurts
    A = np.array(
        [
            [-1.0, 0.2, 0.8, 0.0, 0.0],
            [0.2, -0.8, 0.0, 0.1, 0.0],
            [0.8, 0.0, -1.2, 0.0, -0.3],
            [0.0, 0.1, 0.0, -0.6, 0.0],
            [0.0, 0.0, -0.3, 0.0, -0.5],
        ]
    )
    b = np.array([0.5, 0.3, 0.6, 0.2, -0.2])
    W = np.atleast_2d(W)
    return np.einsum("ni,ij,nj->n", W, A, W) + W @ b + 0.3


def test_quadratic_recovered_from_noisy_pairs(tmp_path: Path) -> None:
    from harness_modomodo.surrogate import Fitted

    rng = np.random.default_rng(0)
    W = rng.dirichlet(np.ones(5), size=60)
    y = _true(W) + rng.normal(0, 0.005, size=60)
    rep = report(W, y, SOURCES, folds=5, plot=tmp_path / "fit.png")
    truth = Fitted("quadratic", np.zeros((5, 5)), np.zeros(5), 0.0)
    truth.predict = _true  # type: ignore[method-assign]
    w_true = argmax_simplex(truth)
    assert np.linalg.norm(np.array(rep["best"]) - w_true) < 0.1, (rep["best"], w_true)
    assert rep["cv"]["quadratic"]["r2"] > 0.9
    assert rep["cv"]["quadratic"]["rmse"] < rep["cv"]["linear"]["rmse"] / 2
    assert abs(rep["predicted_best"] - float(_true(w_true)[0])) < 0.02
    assert (tmp_path / "fit.png").stat().st_size > 5_000
    # the fitted function agrees with the truth away from the samples too
    G = rng.dirichlet(np.ones(5), size=200)
    q = fit(W, y, "quadratic")
    assert np.abs(q.predict(G) - _true(G)).max() < 0.03
    # ridge shrinks but keeps the optimum close
    assert np.linalg.norm(argmax_simplex(fit(W, y, "quadratic", ridge=1e-4)) - w_true) < 0.15


def test_pairs_from_csv(tmp_path: Path) -> None:
    p = tmp_path / "pairs.csv"
    p.write_text("a,b,out_score\n0.5,0.5,0.3\n1,0,0.2\n0,1,0.1\n0.25,0.75,0.2\n")
    sources, W, y = read_pairs(p)
    assert sources == ["a", "b"] and W.shape == (4, 2) and y[0] == 0.3
    p.write_text("a,b,out_score\n0.5,0.4,0.3\n")
    with pytest.raises(UserError, match=r"line 2: .*sum to 1"):
        read_pairs(p)
    p.write_text("a,b,score\n0.5,0.5,0.3\n")
    with pytest.raises(UserError, match="no 'out_score' column"):
        read_pairs(p)
