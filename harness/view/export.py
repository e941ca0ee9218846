"""``harness view RUNS_DIR --export DIR``: the viewer's pages as a static site (open
``DIR/index.html`` from disk or any file server). Each run gets its page and its samples in pages
of :data:`harness.view.data.PAGE` records, every record's transcript inline on its page (one
file per page, never one per sample). Filters, search and compare need the server."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.errors import UserError
from harness.view import data
from harness.view.app import HERE, Links, render, run_context, runs_context, templates


def export_site(root: Path, out: Path, per_page: int = data.PAGE) -> int:
    """Write the site; returns the number of files written."""
    env = templates()
    try:
        out.mkdir(parents=True, exist_ok=True)
        shutil.copytree(HERE / "static", out / "static", dirs_exist_ok=True)
    except OSError as exc:
        raise UserError(f"--export {out}: cannot write there ({exc.strerror or exc})") from None
    written = 0

    def write(path: Path, text: str) -> None:
        nonlocal written
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written += 1

    write(out / "index.html", render(env, "runs.html", Links(True), **runs_context(root, {})))
    for run_dir in data.run_dirs(root):
        links = Links(True, "../../")
        here = out / "runs" / run_dir.name
        summary = data.summarize_run(run_dir)
        if summary.kind in ("generate", "train"):
            from harness.view.app import job_context

            write(
                here / "index.html", render(env, "job.html", links, **job_context(run_dir, summary))
            )
            continue
        with data.RunView(run_dir) as view:
            write(here / "index.html", render(env, "run.html", links, **run_context(view)))
            pages = view.samples({}, 0, per_page).pages
            for n in range(pages):
                page = view.samples({}, n, per_page)
                records = []
                for row in page.rows:
                    got = view.record(row.id)
                    if got is None:
                        continue
                    rec = got[1]
                    records.append(
                        {
                            "row": row,
                            "record": rec,
                            "turns": data.conversation(rec),
                            "output_meta": rec.output.metadata if rec.output else {},
                        }
                    )
                write(
                    here / f"samples-{n + 1}.html",
                    render(
                        env,
                        "static_samples.html",
                        links,
                        view=view,
                        page=page,
                        params={},
                        score_names=sorted({k for s in page.scores.values() for k in s}),
                        records=records,
                    ),
                )
    return written
