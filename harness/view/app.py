"""The viewer's web app: Starlette routes rendering Jinja2 templates shipped in the package
(``harness/view/templates``, ``harness/view/static``); nothing to build.

Pages: ``/`` runs, ``/run/ID`` a run, ``/run/ID/samples`` its samples (paged, filtered, searched
through the run index), ``/run/ID/sample/N`` one record, ``/compare?a=ID&b=ID``, and
``/run/ID/status.json`` (what the live refresh polls). Every page renders the damage it finds
(a torn journal, a corrupt results file) instead of failing; an unexpected error is a page
naming it, never a bare 500."""

from __future__ import annotations

import hmac
import json
import math
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness.errors import UserError
from harness.view import data

HERE = Path(__file__).parent
TOKEN_COOKIE = "harness_view_token"
#: differing records shown side by side on the compare page
SIDE_BY_SIDE = 10


def _missing_extra(exc: ImportError) -> UserError:
    return UserError(
        f"harness view needs the 'view' extra ({exc.name} is missing): "
        "pip install 'agentharness[view]'"
    )


def templates() -> Any:
    try:
        import jinja2
    except ImportError as exc:
        raise _missing_extra(exc) from None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["ci"] = fmt_ci
    env.filters["json"] = lambda v: json.dumps(v, indent=1, ensure_ascii=False, default=str)
    env.filters["dur"] = lambda v: "-" if v is None else f"{v:.2f} s"
    return env


def fmt_num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.{digits}f}"
    return str(v)


def fmt_ci(lo: Any, hi: Any = None) -> str:
    if isinstance(lo, list | tuple):
        lo, hi = [*lo, None, None][:2]
    if lo is None or hi is None:
        return ""
    return f"[{lo:.3f}, {hi:.3f}]"


class Links:
    """URLs of the pages: the app's routes, or the static export's files (``static=True``, with
    ``root`` the way back to the export's top folder)."""

    def __init__(self, static: bool = False, root: str = "") -> None:
        self.static = static
        self.root = root

    def runs(self) -> str:
        return f"{self.root}index.html" if self.static else "/"

    def run(self, run_id: str) -> str:
        return f"{self.root}runs/{run_id}/index.html" if self.static else f"/run/{run_id}"

    def samples(self, run_id: str, page: int = 0, **filters: Any) -> str:
        if self.static:
            return f"{self.root}runs/{run_id}/samples-{page + 1}.html"
        q = {k: v for k, v in filters.items() if v not in (None, "")}
        if page:
            q["page"] = page
        return f"/run/{run_id}/samples" + (f"?{urlencode(q)}" if q else "")

    def sample(self, run_id: str, rid: int, page: int | None = None) -> str:
        if self.static:
            return f"{self.root}runs/{run_id}/samples-{(page or 0) + 1}.html#r{rid}"
        return f"/run/{run_id}/sample/{rid}"

    def compare(self, a: str, b: str) -> str:
        return "" if self.static else f"/compare?{urlencode({'a': a, 'b': b})}"

    def static_file(self, name: str) -> str:
        return f"{self.root}static/{name}" if self.static else f"/static/{name}"


def render(env: Any, name: str, links: Links, **ctx: Any) -> str:
    return str(env.get_template(name).render(links=links, **ctx))


# ---------------------------------------------------------------------- page contexts


def runs_context(root: Path, params: dict[str, str]) -> dict[str, Any]:
    runs = [data.summarize_run(p) for p in data.run_dirs(root)]
    q = params.get("filter", "").strip().lower()
    if q:
        runs = [
            r
            for r in runs
            if q in " ".join([r.run_id, r.task, r.status, r.kind, *r.models.values()]).lower()
        ]
    sort = params.get("sort", "date")
    keys: dict[str, Any] = {
        "date": lambda r: r.created or r.run_id,
        "task": lambda r: r.task,
        "status": lambda r: r.status,
        "samples": lambda r: r.samples or 0,
    }
    metric_names = list(dict.fromkeys(m for r in runs for m, *_ in r.headline))
    if sort in keys:
        runs.sort(key=keys[sort], reverse=sort in ("date", "samples"))
    elif sort in metric_names:
        runs.sort(key=lambda r: (r.metric(sort) is None, -(r.metric(sort) or 0.0)))
    tasks: dict[str, list[str]] = {}
    for r in runs:
        if r.kind == "run":
            tasks.setdefault(r.task, []).append(r.run_id)
    return {
        "runs": runs,
        "root": str(root),
        "filter": params.get("filter", ""),
        "sort": sort,
        "metric_names": metric_names,
        "comparable": {t: ids for t, ids in tasks.items() if len(ids) > 1},
        "live": any(r.status == "running" for r in runs),
    }


def run_context(view: data.RunView, with_plugin_plots: bool = True) -> dict[str, Any]:
    from harness.view.plots import plugin_plots, run_plots

    result = view.result()
    plots = [p.svg() for p in run_plots(result)]
    problems: list[str] = []
    if with_plugin_plots and view.index is not None:
        extra, problems = plugin_plots(view.task, view)
        plots += [p.svg() for p in extra]
    cfg = view.run_file.config.model_dump(mode="json") if view.run_file else {}
    return {
        "view": view,
        "result": result,
        "config": cfg,
        "versions": view.versions(),
        "errors": view.errors_by_kind(),
        "plots": plots,
        "plot_problems": problems,
        "live": view.status == "running",
    }


def samples_context(
    view: data.RunView, params: dict[str, str], per_page: int = data.PAGE
) -> dict[str, Any]:
    filters, problems = data.parse_filters(params)
    try:
        page_no = max(0, int(params.get("page", "0") or 0))
    except ValueError:
        page_no = 0
        problems.append(f"page '{params.get('page')}': not a number")
    try:
        page = view.samples(filters, page_no, per_page)
    except (UserError, sqlite3.OperationalError) as exc:  # a bad full-text query
        problems.append(
            str(exc) if isinstance(exc, UserError) else f"search {params.get('q')!r}: {exc}"
        )
        page = view.samples({}, 0, per_page)
        filters = {}
    return {
        "view": view,
        "page": page,
        "params": {
            k: params.get(k, "")
            for k in ("status", "error_kind", "stop_reason", "group", "score", "q")
        },
        "problems": problems,
        "facets": view.facets(),
        "score_names": sorted({n for s in page.scores.values() for n in s}),
        "live": view.status == "running",
    }


def sample_context(view: data.RunView, rid: int) -> dict[str, Any] | None:
    got = view.record(rid)
    if got is None:
        return None
    row, record = got
    return {
        "view": view,
        "row": row,
        "record": record,
        "turns": data.conversation(record),
        "output_meta": record.output.metadata if record.output else {},
    }


def compare_context(path_a: Path, path_b: Path) -> dict[str, Any]:
    a, b = data.RunView(path_a), data.RunView(path_b)
    a_id, b_id = a.run_id, b.run_id
    problems = []
    if a.task != b.task:
        problems.append(
            f"{a_id} is a run of '{a.task}' and {b_id} of '{b.task}': only runs of one task compare"
        )
        deltas, diff = [], []
    else:
        deltas, diff = data.compare(a, b), data.differing(a, b)
    pairs = []
    for d in diff[:SIDE_BY_SIDE]:
        pair: dict[str, Any] = {"sample_id": d["sample_id"], "epoch": d["epoch"]}
        for side, view in (("a", a), ("b", b)):
            got = view.record(d[side]["id"])
            rec = got[1] if got else None
            pair[side] = {
                "scores": d[side]["scores"],
                "turns": data.conversation(rec) if rec else [],
                "explained": [
                    (k, s.explanation)
                    for k, s in (rec.scores.items() if rec else [])
                    if s.explanation
                ],
            }
        pairs.append(pair)
    return {"a": a, "b": b, "deltas": deltas, "diff": diff, "pairs": pairs, "problems": problems}


# ---------------------------------------------------------------------- the app


def create_app(root: Path, token: str | None = None) -> Any:
    """The Starlette app serving the run directories under ``root`` (``token``: every request
    must carry it, as ``?token=`` once, then a cookie)."""
    try:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles
    except ImportError as exc:
        raise _missing_extra(exc) from None

    env = templates()
    links = Links()

    def page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(render(env, name, links, **ctx), status_code=status)

    def failure(where: str, exc: BaseException, status: int = 200) -> HTMLResponse:
        msg = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        return page("error.html", status=status, where=where, message=msg)

    def run_dir(run_id: str) -> Path:
        path = root / run_id if not data.is_run_dir(root) else root
        if data.is_run_dir(root) and run_id != root.name:
            raise UserError(f"no run '{run_id}' here")
        if "/" in run_id or run_id.startswith(".") or not data.is_run_dir(path):
            raise UserError(f"no run '{run_id}' under {root}")
        return path

    async def runs(request: Request) -> Response:
        try:
            return page("runs.html", **runs_context(root, dict(request.query_params)))
        except Exception as exc:
            return failure("runs", exc)

    async def run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            path = run_dir(run_id)
            summary = data.summarize_run(path)
            if summary.kind in ("generate", "train"):
                return page("job.html", **job_context(path, summary))
            with data.RunView(path) as view:
                return page("run.html", **run_context(view))
        except Exception as exc:
            return failure(f"run {run_id}", exc, 404 if _not_found(exc) else 200)

    async def samples(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            with data.RunView(run_dir(run_id)) as view:
                return page("samples.html", **samples_context(view, dict(request.query_params)))
        except Exception as exc:
            return failure(f"samples of {run_id}", exc, 404 if _not_found(exc) else 200)

    async def sample(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        rid = request.path_params["rid"]
        try:
            with data.RunView(run_dir(run_id)) as view:
                ctx = sample_context(view, rid)
                if ctx is None:
                    return failure(run_id, UserError(f"no record {rid} in {run_id}"), 404)
                return page("sample.html", **ctx)
        except Exception as exc:
            return failure(f"record {rid} of {run_id}", exc, 404 if _not_found(exc) else 200)

    async def status(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            with data.RunView(run_dir(run_id)) as view:
                counts = view.index.counts() if view.index else (0, 0, 0)
                return JSONResponse(
                    {"status": view.status, "records": counts[0], "errors": counts[2]}
                )
        except Exception as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    async def runs_status(request: Request) -> Response:
        """What the runs list polls: how many runs are being written and their records."""
        try:
            running, records = 0, 0
            for path in data.run_dirs(root):
                if data.being_written(path):
                    running += 1
                    with data.RunView(path) as view:
                        records += view.index.counts()[0] if view.index else 0
            status = "running" if running else "idle"
            return JSONResponse({"status": status, "records": records, "runs": running})
        except Exception as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    async def compare(request: Request) -> Response:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        try:
            ctx = compare_context(run_dir(a), run_dir(b))
            try:
                return page("compare.html", **ctx)
            finally:
                ctx["a"].close()
                ctx["b"].close()
        except Exception as exc:
            return failure("compare", exc, 404 if _not_found(exc) else 200)

    routes = [
        Route("/", runs),
        Route("/status.json", runs_status),
        Route("/run/{run_id}", run),
        Route("/run/{run_id}/samples", samples),
        Route("/run/{run_id}/sample/{rid:int}", sample),
        Route("/run/{run_id}/status.json", status),
        Route("/compare", compare),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    if token is None:
        return app

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            response: Response = PlainTextResponse(
                "harness view: this server needs its token (open the URL it printed)",
                status_code=403,
            )
            await response(scope, receive, send)
            return
        if request.query_params.get("token"):

            async def send_cookie(message: Any) -> None:
                if message["type"] == "http.response.start":
                    cookie = f"{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
                    message.setdefault("headers", []).append(
                        (b"set-cookie", cookie.encode("latin-1"))
                    )
                await send(message)

            await app(scope, receive, send_cookie)
            return
        await app(scope, receive, send)

    return guarded


def _not_found(exc: BaseException) -> bool:
    return isinstance(exc, UserError) and str(exc).startswith("no run")


def job_context(path: Path, summary: data.RunSummary) -> dict[str, Any]:
    from harness.view.plots import Plot

    curves = data.training_curves(path)
    plots = [
        Plot(f"{name} over training steps", "line", series={name: pts}, xlabel="step").svg()
        for name, pts in curves.items()
    ]
    try:
        raw = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}
    return {"job": summary, "raw": raw, "plots": plots, "live": summary.status == "running"}
