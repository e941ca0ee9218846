"""Plots as inline SVG drawn here (no JavaScript library, nothing to build): bars with CI
whiskers, lines, histograms. A plot is data (:class:`Plot`); plugins add their own through the
``view_plots`` hook (:func:`harness.hookspecs.view_plots`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

from harness.errors import UserError

W, H = 560, 260
ML, MR, MT, MB = 56, 16, 28, 64  # margins: left, right, top, bottom


@dataclass
class Plot:
    """A plot for the viewer. ``bar``: one bar per ``x`` label, ``y`` its height, optional
    ``low``/``high`` whiskers; ``line``: ``series`` name -> [(x, y), ...]; ``hist``: ``values``
    binned into ``bins``."""

    title: str
    kind: Literal["bar", "line", "hist"]
    x: list[str] = field(default_factory=list)
    y: list[float | None] = field(default_factory=list)
    low: list[float | None] = field(default_factory=list)
    high: list[float | None] = field(default_factory=list)
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    values: list[float] = field(default_factory=list)
    bins: int = 20
    xlabel: str = ""
    ylabel: str = ""

    @classmethod
    def from_data(cls, data: Any, where: str) -> Plot:
        """A plot a plugin returned (a Plot or a dict of its fields), checked."""
        if isinstance(data, Plot):
            return data
        from pydantic import TypeAdapter, ValidationError

        try:
            return TypeAdapter(cls).validate_python(data)
        except ValidationError as exc:
            raise UserError(f"{where}: not a plot: {exc.errors()[0]['msg']}") from None

    def svg(self) -> str:
        try:
            body = {"bar": _bars, "line": _lines, "hist": _hist}[self.kind](self)
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            body = _text(W / 2, H / 2, f"cannot draw: {exc}", anchor="middle")
        return (
            f'<svg class="plot" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
            f'role="img" aria-label="{escape(self.title)}" xmlns="http://www.w3.org/2000/svg">'
            f"{_text(W / 2, 16, self.title, anchor='middle', cls='title')}{body}"
            f"{_text(W / 2, H - 6, self.xlabel, anchor='middle')}"
            f'<text x="12" y="{MT + (H - MT - MB) / 2}" transform="rotate(-90 12 '
            f'{MT + (H - MT - MB) / 2})" text-anchor="middle">{escape(self.ylabel)}</text></svg>'
        )


def _text(x: float, y: float, s: str, anchor: str = "start", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{escape(s)}</text>'


def _scale(lo: float, hi: float, a: float, b: float) -> Any:
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _axes(ylo: float, yhi: float) -> tuple[str, Any]:
    sy = _scale(ylo, yhi, H - MB, MT)
    parts = [f'<line class="axis" x1="{ML}" y1="{H - MB}" x2="{W - MR}" y2="{H - MB}"/>']
    for i in range(5):
        v = ylo + (yhi - ylo) * i / 4
        y = sy(v)
        parts.append(f'<line class="grid" x1="{ML}" y1="{y:.1f}" x2="{W - MR}" y2="{y:.1f}"/>')
        parts.append(_text(ML - 4, y + 4, f"{v:.3g}", anchor="end"))
    return "".join(parts), sy


def _bars(p: Plot) -> str:
    vals = [v for v in [*p.y, *p.low, *p.high] if v is not None]
    if not p.x or not vals:
        return _text(W / 2, H / 2, "no data", anchor="middle")
    ylo, yhi = min(0.0, *vals), max(vals)
    if ylo == yhi:
        yhi = ylo + 1
    axes, sy = _axes(ylo, yhi)
    out = [axes]
    n = len(p.x)
    slot = (W - ML - MR) / n
    for i, label in enumerate(p.x):
        v = p.y[i] if i < len(p.y) else None
        cx = ML + slot * (i + 0.5)
        if v is not None:
            top, base = sy(max(v, 0)), sy(min(v, 0))
            out.append(
                f'<rect class="bar" x="{cx - slot * 0.35:.1f}" y="{top:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{max(base - top, 0.5):.1f}">'
                f"<title>{escape(label)}: {v:.4g}</title></rect>"
            )
        lo = p.low[i] if i < len(p.low) else None
        hi = p.high[i] if i < len(p.high) else None
        if lo is not None and hi is not None:
            out.append(
                f'<line class="whisker" x1="{cx:.1f}" y1="{sy(lo):.1f}" x2="{cx:.1f}" '
                f'y2="{sy(hi):.1f}"/>'
            )
        short = label if len(label) <= 18 else label[:17] + "…"
        out.append(
            f'<text x="{cx:.1f}" y="{H - MB + 12}" text-anchor="end" '
            f'transform="rotate(-30 {cx:.1f} {H - MB + 12})">{escape(short)}</text>'
        )
    return "".join(out)


def _lines(p: Plot) -> str:
    pts = [pt for s in p.series.values() for pt in s]
    if not pts:
        return _text(W / 2, H / 2, "no data", anchor="middle")
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    ylo, yhi = min(ys), max(ys)
    if ylo == yhi:
        ylo, yhi = ylo - 0.5, yhi + 0.5
    axes, sy = _axes(ylo, yhi)
    sx = _scale(min(xs), max(xs), ML + 8, W - MR - 8)
    out = [axes]
    for v in sorted(set(xs))[:: max(1, len(set(xs)) // 8)]:
        out.append(_text(sx(v), H - MB + 14, f"{v:.4g}", anchor="middle"))
    for k, (name, s) in enumerate(p.series.items()):
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(s))
        out.append(f'<polyline class="line c{k % 6}" points="{d}"><title>{escape(name)}</title>')
        out.append("</polyline>")
        for x, y in s if len(s) <= 60 else []:
            out.append(
                f'<circle class="dot c{k % 6}" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5">'
                f"<title>{escape(name)} {x:.4g}: {y:.4g}</title></circle>"
            )
        if len(p.series) > 1:
            out.append(
                f'<text class="legend c{k % 6}" x="{W - MR - 4}" y="{MT + 12 + 14 * k}" '
                f'text-anchor="end">{escape(name)}</text>'
            )
    return "".join(out)


def _hist(p: Plot) -> str:
    if not p.values:
        return _text(W / 2, H / 2, "no data", anchor="middle")
    lo, hi = min(p.values), max(p.values)
    bins = max(1, p.bins)
    width = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in p.values:
        counts[min(bins - 1, int((v - lo) / width))] += 1
    bar = Plot(
        p.title,
        "bar",
        x=[f"{lo + i * width:.3g}" for i in range(bins)],
        y=[float(c) for c in counts],
    )
    return _bars(bar)


# ---------------------------------------------------------------------- the core's plots


def run_plots(result: Any) -> list[Plot]:
    """Score by group (mean with its 95% CI) and pass^k against k, for each metric that has
    them, from the run's results (the numbers ``harness show`` prints)."""
    plots: list[Plot] = []
    if result is None:
        return plots
    for m in result.metrics:
        if m.groups:
            names = list(m.groups)
            plots.append(
                Plot(
                    f"{m.name} by group (95% CI)",
                    "bar",
                    x=names,
                    y=[_f(m.groups[g].get("mean")) for g in names],
                    low=[_f(m.groups[g].get("ci_low")) for g in names],
                    high=[_f(m.groups[g].get("ci_high")) for g in names],
                    ylabel=m.name,
                )
            )
        if m.pass_at:
            ks = sorted(m.pass_at, key=int)
            plots.append(
                Plot(
                    f"pass^k of {m.name} (95% CI)",
                    "bar",
                    x=[f"k={k}" for k in ks],
                    y=[m.pass_at[k] for k in ks],
                    low=[(m.pass_at_ci.get(k) or [None, None])[0] for k in ks],
                    high=[(m.pass_at_ci.get(k) or [None, None])[1] for k in ks],
                    xlabel="k",
                    ylabel="pass^k",
                )
            )
    return plots


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def plugin_plots(task: str, view: Any) -> tuple[list[Plot], list[str]]:
    """The plots plugins add for ``task`` (the ``view_plots`` hook), and the problems of the
    ones that failed (shown on the page, never raised)."""
    from harness.plugins.manager import get_manager

    plots: list[Plot] = []
    problems: list[str] = []
    manager = get_manager()
    hook = getattr(manager.pm.hook, "view_plots", None)
    if hook is None:
        return plots, problems
    for impl in hook.get_hookimpls():
        try:
            got = impl.function(task=task, run=view)
        except Exception as exc:
            problems.append(f"plugin {impl.plugin_name}: its plots failed ({exc})")
            continue
        for i, data in enumerate(got or []):
            try:
                plots.append(Plot.from_data(data, f"plugin {impl.plugin_name}, plot {i}"))
            except UserError as exc:
                problems.append(str(exc))
    return plots, problems
