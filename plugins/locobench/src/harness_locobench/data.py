"""Datasets: scenarios made on the fly by the procedural generator, or loaded from a folder in
the released layout (``data/output/scenarios/*.json`` beside ``data/generated/<project>/``).

Every scenario is validated at load (:class:`harness_locobench.schemas.Scenario`), and each of
its context files must exist: a scenario naming a missing file is rejected with its id. The
procedural generator also writes ``data/output/locobench_extras/<id>.json`` (hidden tests, the
reference solution, test counts), so a written dataset loads back fully scoreable."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import UserError
from harness_locobench.codegen import Built, make_project, make_scenarios
from harness_locobench.schemas import CATEGORIES, Scenario

MAX_FILE_BYTES = 2_000_000


@dataclass
class Item:
    """A scenario, its project's files and (for generated data) what grading adds."""

    scenario: Scenario
    project: dict[str, str]
    language: str
    tests: dict[str, int] = field(default_factory=dict)  # project test program -> checks
    hidden: dict[str, int] = field(default_factory=dict)
    hidden_files: dict[str, str] = field(default_factory=dict)
    reference: list[dict[str, str]] = field(default_factory=list)
    answer_tests_min: int = 0
    required_files: list[str] = field(default_factory=list)
    wrong: list[dict[str, str]] = field(default_factory=list)


def generated(
    languages: list[str], size: int, seed: int, categories: tuple[str, ...] = CATEGORIES
) -> list[Item]:
    """One project per language, one scenario per category over it."""
    items = []
    for lang in languages:
        project = make_project(lang, size, seed)
        for b in make_scenarios(project, seed, categories):
            items.append(_item(project.files, project.tests, lang, b))
    return items


def _item(files: dict[str, str], tests: dict[str, int], lang: str, b: Built) -> Item:
    required = list(b.scenario.metadata.model_extra.get("required_files", []))  # type: ignore[union-attr]
    return Item(
        b.scenario,
        files,
        lang,
        dict(tests),
        b.hidden,
        b.hidden_files,
        b.reference,
        b.answer_tests_min,
        required,
        b.wrong,
    )


def write(items: list[Item], out: Path) -> dict[str, int]:
    """Write items in the released layout under ``out/data``; returns counts."""
    scen = out / "data" / "output" / "scenarios"
    extras = out / "data" / "output" / "locobench_extras"
    scen.mkdir(parents=True, exist_ok=True)
    extras.mkdir(parents=True, exist_ok=True)
    projects = set()
    for it in items:
        name = str(it.scenario.metadata.model_extra.get("project"))  # type: ignore[union-attr]
        if name not in projects:
            projects.add(name)
            for rel, text in it.project.items():
                path = out / "data" / "generated" / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        (scen / f"{it.scenario.id}.json").write_text(it.scenario.model_dump_json(indent=2) + "\n")
        extra = {
            "tests": it.tests,
            "hidden": it.hidden,
            "hidden_files": it.hidden_files,
            "reference": it.reference,
            "answer_tests_min": it.answer_tests_min,
            "required_files": it.required_files,
            "wrong": it.wrong,
        }
        (extras / f"{it.scenario.id}.json").write_text(json.dumps(extra, indent=1) + "\n")
    return {"scenarios": len(items), "projects": len(projects)}


# ---------------------------------------------------------------------------------- loading


def _first_dir(root: Path, *candidates: str) -> Path | None:
    for c in candidates:
        if (root / c).is_dir():
            return root / c
    return None


def load(root: Path) -> list[Item]:
    """Scenarios from a folder in the released layout (or a folder of scenario JSON files)."""
    root = root.expanduser()
    if not root.is_dir():
        raise UserError(f"locobench: data_dir {root} is not a folder")
    sdir = _first_dir(root, "data/output/scenarios", "output/scenarios", "scenarios") or root
    gdir = _first_dir(root, "data/generated", "generated") or root
    edir = sdir.parent / "locobench_extras"
    paths = sorted(sdir.glob("*.json"))
    if not paths:
        raise UserError(f"locobench: no scenario files (*.json) in {sdir}")
    items, cache = [], {}
    for path in paths:
        try:
            scenario = Scenario.model_validate_json(path.read_text())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UserError(f"locobench: {path.name}: field {where}: {first['msg']}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"locobench: cannot read {path}: {exc}") from None
        pdir = _project_dir(scenario, gdir)
        if pdir not in cache:
            cache[pdir] = _read_project(pdir)
        files = cache[pdir]
        for ctx in scenario.context_files:
            if _norm(ctx) not in files:
                raise UserError(
                    f"locobench: scenario {scenario.id}: context file {ctx!r} "
                    f"not found under {pdir}"
                )
        scenario.context_files = [_norm(c) for c in scenario.context_files]
        extra = _extras(edir / path.name)
        meta = scenario.metadata.model_extra or {}
        lang = str(meta.get("language") or _guess_language(scenario.id))
        items.append(Item(scenario, files, lang, **extra))
    return items


def _norm(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    if path.startswith("/") or ".." in parts:
        raise UserError(f"locobench: context file {path!r} leaves the project")
    return "/".join(parts)


def _project_dir(s: Scenario, gdir: Path) -> Path:
    name = s.metadata.model_extra.get("project") if s.metadata.model_extra else None
    if not name:
        name = s.id.split(f"_{s.task_category}")[0]
    for cand in (gdir / str(name) / str(name), gdir / str(name), gdir):
        if cand.is_dir() and all((cand / _norm(c)).is_file() for c in s.context_files[:1]):
            return cand
    return gdir / str(name) if (gdir / str(name)).is_dir() else gdir


def _read_project(pdir: Path) -> dict[str, str]:
    files = {}
    for p in sorted(pdir.rglob("*")):
        if p.is_file() and p.stat().st_size <= MAX_FILE_BYTES:
            try:
                files[p.relative_to(pdir).as_posix()] = p.read_text()
            except UnicodeDecodeError:
                continue
    return files


def _extras(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {
        k: data[k]
        for k in (
            "tests",
            "hidden",
            "hidden_files",
            "reference",
            "answer_tests_min",
            "required_files",
        )
        if k in data
    }


_EXT_LANG = {"python": "python", "cpp": "cpp", "java": "java", "javascript": "javascript", "c": "c"}


def _guess_language(scenario_id: str) -> str:
    head = scenario_id.split("_")[0].lower()
    return _EXT_LANG.get(head, head)
