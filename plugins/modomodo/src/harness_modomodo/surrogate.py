"""The mixture-outcome model: from (mixture, out-of-distribution score) pairs, fit the paper's
quadratic f(w) = w'Aw + b'w + c and a linear baseline b'w + c by least squares (ridge optional),
judge both by k-fold cross-validation on held-out mixtures, and take w* = argmax of the quadratic
on the simplex (MoDoMoDo, arXiv 2505.24871, §4: the linear model fails, the quadratic captures the
interactions between datasets).

On the simplex sum(w) = 1, so A, b and c are not identifiable (c can move into b, b into A): the
least-squares solution is the minimum-norm one (or the ridge one), and what is meaningful is f's
values and argmax, not its coefficients. The argmax is the best point of a simplex grid (step
``1/grid``) refined by SLSQP from the best few grid points.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import UserError


@dataclass
class Fitted:
    """A fitted model: ``kind`` quadratic or linear, its coefficients, f(w) by :meth:`predict`."""

    kind: str
    A: np.ndarray  # k x k symmetric (zeros for the linear model)
    b: np.ndarray
    c: float

    def predict(self, W: np.ndarray) -> np.ndarray:
        W = np.atleast_2d(W)
        return np.einsum("ni,ij,nj->n", W, self.A, W) + W @ self.b + self.c

    def as_dict(self) -> dict[str, Any]:
        return {"A": self.A.round(6).tolist(), "b": self.b.round(6).tolist(), "c": round(self.c, 6)}


def _design(W: np.ndarray, kind: str) -> np.ndarray:
    n, k = W.shape
    cols = [np.ones(n)] + [W[:, i] for i in range(k)]
    if kind == "quadratic":
        cols += [W[:, i] * W[:, j] for i, j in itertools.combinations_with_replacement(range(k), 2)]
    return np.stack(cols, axis=1)


def fit(W: np.ndarray, y: np.ndarray, kind: str = "quadratic", ridge: float = 0.0) -> Fitted:
    """Least squares (minimum norm) or ridge (``ridge`` > 0, the intercept not penalised)."""
    W, y = np.asarray(W, float), np.asarray(y, float)
    k = W.shape[1]
    X = _design(W, kind)
    if ridge > 0:
        P = np.eye(X.shape[1]) * ridge
        P[0, 0] = 0.0
        theta = np.linalg.pinv(X.T @ X + P) @ X.T @ y
    else:
        theta = np.linalg.lstsq(X, y, rcond=None)[0]
    A = np.zeros((k, k))
    if kind == "quadratic":
        for t, (i, j) in enumerate(itertools.combinations_with_replacement(range(k), 2)):
            v = theta[1 + k + t]
            if i == j:
                A[i, i] = v
            else:
                A[i, j] = A[j, i] = v / 2
    return Fitted(kind, A, theta[1 : 1 + k].copy(), float(theta[0]))


def r2(y: np.ndarray, pred: np.ndarray) -> float | None:
    """R^2 (None when the measured scores do not vary)."""
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else None


def cross_validate(
    W: np.ndarray, y: np.ndarray, kind: str, folds: int = 5, seed: int = 0, ridge: float = 0.0
) -> dict[str, Any]:
    """k-fold held-out predictions: RMSE, R^2 and each pair's out-of-fold prediction."""
    n = len(y)
    folds = max(2, min(folds, n))
    order = np.random.default_rng(seed).permutation(n)
    pred = np.empty(n)
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        pred[test] = fit(W[train], y[train], kind, ridge).predict(W[test])
    return {
        "folds": folds,
        "rmse": float(np.sqrt(((pred - y) ** 2).mean())),
        "r2": r2(y, pred),
        "pred": pred.tolist(),
    }


def simplex_grid(k: int, steps: int) -> np.ndarray:
    """Every point of the simplex whose coordinates are multiples of 1/steps."""
    pts = [
        [c / steps for c in comp]
        for comp in itertools.product(range(steps + 1), repeat=k - 1)
        if sum(comp) <= steps
    ]
    return np.array([[*p, 1.0 - sum(p)] for p in pts])


def argmax_simplex(model: Fitted, grid: int | None = None, starts: int = 5) -> np.ndarray:
    """w* = argmax of the model on the simplex: best grid point, refined by SLSQP."""
    from scipy.optimize import minimize

    k = len(model.b)
    if grid is None:
        grid = {1: 1, 2: 200, 3: 100, 4: 40, 5: 20, 6: 12}.get(k, 6)
    G = simplex_grid(k, grid)
    vals = model.predict(G)
    best_w, best_v = G[int(vals.argmax())], float(vals.max())
    cons = ({"type": "eq", "fun": lambda w: w.sum() - 1.0},)
    for i in np.argsort(-vals)[:starts]:
        res = minimize(
            lambda w: -float(model.predict(w)[0]),
            G[i],
            method="SLSQP",
            bounds=[(0.0, 1.0)] * k,
            constraints=cons,
        )
        w = np.clip(res.x, 0.0, 1.0)
        w = w / w.sum()
        v = float(model.predict(w)[0])
        if v > best_v:
            best_w, best_v = w, v
    return np.asarray(best_w)


def plot_fit(y: np.ndarray, preds: dict[str, np.ndarray], path: Path, title: str = "") -> Path:
    """Predicted (out of fold) against measured, one marker per model, and the diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    lo = float(min(y.min(), *(p.min() for p in preds.values())))
    hi = float(max(y.max(), *(p.max() for p in preds.values())))
    pad = 0.05 * (hi - lo or 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="grey", lw=1, ls="--")
    for (name, p), m in zip(preds.items(), "os^", strict=False):
        ax.scatter(y, p, label=name, marker=m, alpha=0.8)
    ax.set_xlabel("measured out-of-distribution score")
    ax.set_ylabel("predicted (held-out fold)")
    ax.set_title(title or "mixture-outcome model")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def report(
    W: np.ndarray,
    y: np.ndarray,
    sources: list[str],
    folds: int = 5,
    ridge: float = 0.0,
    seed: int = 0,
    plot: Path | None = None,
) -> dict[str, Any]:
    """Both fits, their cross-validation, w* and (optionally) the PNG: a FitReport's fields."""
    from harness_modomodo.schemas import FitReport

    W, y = np.asarray(W, float), np.asarray(y, float)
    if len(y) < 3:
        raise UserError(f"the mixture-outcome fit needs at least 3 pairs (got {len(y)})")
    quad, lin = fit(W, y, "quadratic", ridge), fit(W, y, "linear", ridge)
    cv_q = cross_validate(W, y, "quadratic", folds, seed, ridge)
    cv_l = cross_validate(W, y, "linear", folds, seed, ridge)
    best = argmax_simplex(quad)
    png = None
    if plot is not None:
        png = str(
            plot_fit(
                y, {"quadratic": np.array(cv_q["pred"]), "linear": np.array(cv_l["pred"])}, plot
            )
        )
    rep = FitReport(
        sources=sources,
        n=len(y),
        quadratic={**quad.as_dict(), "train_r2": r2(y, quad.predict(W))},
        linear={**lin.as_dict(), "train_r2": r2(y, lin.predict(W))},
        cv={
            "folds": cv_q["folds"],
            "quadratic": {k: cv_q[k] for k in ("rmse", "r2")},
            "linear": {k: cv_l[k] for k in ("rmse", "r2")},
        },
        best=[round(float(v), 4) for v in best],
        predicted_best=float(quad.predict(best)[0]),
        plot=png,
    )
    return rep.model_dump(mode="json")


def read_pairs(
    path: Path, score_column: str = "out_score"
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(sources, W, y) from a CSV: one column per source's weight, and ``score_column``; every
    row's weights must be a mixture (an error names the row)."""
    from harness_modomodo.mixture import check_weights

    if not path.is_file():
        raise UserError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise UserError(f"{path}: no rows")
    cols = list(rows[0])
    if score_column not in cols:
        raise UserError(f"{path}: no '{score_column}' column (columns: {', '.join(cols)})")
    sources = [c for c in cols if c not in (score_column, "label", "seed")]
    W, y = [], []
    for n, row in enumerate(rows, 2):
        try:
            w = check_weights([float(row[s]) for s in sources], sources)
            y.append(float(row[score_column]))
        except (ValueError, TypeError):
            raise UserError(f"{path} line {n}: a weight or the score is not a number") from None
        except UserError as exc:
            raise UserError(f"{path} line {n}: {exc}") from None
        W.append(w)
    return sources, np.array(W), np.array(y)
