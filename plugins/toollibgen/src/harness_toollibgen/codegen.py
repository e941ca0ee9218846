"""From a model's reply to checked tool candidates, without running anything.

The reply holds ``<tool><tags>...</tags> ```python ...``` </tool>`` blocks (a bare ```python
fence is accepted too: small models drop the tags). Each public top-level function of a block is
one candidate. The paper's rules are checked here, statically: the code parses; it imports only
the allow-list; it calls no ``eval``/``exec``/``open``/``__import__`` and reaches no dunder
attribute; every parameter is typed with a simple type (str, int, float, bool, list; complex
values travel as JSON strings); there is a docstring. Signature and docstring become an OpenAI
tool spec (``code_comment2function_json`` in the released code does the same from the comment).
An ``Example: name(a=1, b=2)`` line in the docstring gives arguments the sandbox runs it with.
Running it is :mod:`harness_toollibgen.execute`'s job."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

BLOCK = re.compile(r"<tool>(.*?)(?:</tool>|\Z)", re.S | re.I)
TAGS = re.compile(r"<tags>(.*?)</tags>", re.S | re.I)
FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|\Z)", re.S)
FORBIDDEN_CALLS = {
    "eval",
    "exec",
    "compile",
    "open",
    "input",
    "__import__",
    "breakpoint",
    "globals",
}
TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array"}
ARG_LINE = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")


@dataclass
class Candidate:
    """One function found in a reply: its spec if it passed the static checks, else the reason."""

    name: str | None
    code: str
    tags: list[str] = field(default_factory=list)
    spec: dict[str, Any] | None = None
    example: dict[str, Any] | None = None
    reason: str | None = None


def split_blocks(reply: str) -> list[tuple[list[str], str]]:
    """``(tags, code)`` of every tool block of a reply (bare fences when there is no block)."""
    out: list[tuple[list[str], str]] = []
    blocks = BLOCK.findall(reply) or [reply]
    for block in blocks:
        tags_m = TAGS.search(block)
        tags = (
            [t.strip() for t in re.split(r"[,;]", tags_m.group(1)) if t.strip()] if tags_m else []
        )
        fences = FENCE.findall(block)
        if fences:
            out.extend((tags, code.strip("\n")) for code in fences if code.strip())
        elif BLOCK.search(reply):
            body = TAGS.sub("", block).strip()
            if body:
                out.append((tags, body))
    return out


def parse_reply(reply: str, allowed: set[str]) -> list[Candidate]:
    """Every candidate tool of a reply; an empty list when the reply holds no code at all."""
    out: list[Candidate] = []
    for tags, code in split_blocks(reply):
        out.extend(check_code(code, allowed, tags))
    return out


def check_code(code: str, allowed: set[str], tags: list[str] | None = None) -> list[Candidate]:
    """The public functions of ``code`` as candidates (one rejected candidate if the code fails)."""
    tags = tags or []
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return [Candidate(None, code, tags, reason=f"does not parse: line {exc.lineno}: {exc.msg}")]
    problem = _forbidden(tree, allowed)
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    if not funcs:
        return [Candidate(None, code, tags, reason=problem or "defines no public function")]
    out = []
    for fn in funcs:
        if problem:
            out.append(Candidate(fn.name, code, tags, reason=problem))
            continue
        try:
            spec, example = function_spec(fn)
        except ValueError as exc:
            out.append(Candidate(fn.name, code, tags, reason=str(exc)))
            continue
        out.append(Candidate(fn.name, code, tags, spec=spec, example=example))
    return out


def _forbidden(tree: ast.AST, allowed: set[str]) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                if top not in allowed:
                    return f"imports {alias.name!r}, which is not allowed"
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").partition(".")[0]
            if node.level or top not in allowed:
                return f"imports from {node.module or '.'!r}, which is not allowed"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                return f"calls {node.func.id}(), which is not allowed"
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            return f"reaches the attribute {node.attr!r}, which is not allowed"
        elif isinstance(node, ast.Name) and node.id in ("__builtins__", "__import__"):
            return f"uses {node.id}, which is not allowed"
    return None


def _json_type(ann: ast.expr | None, param: str) -> str:
    if ann is None:
        raise ValueError(f"parameter {param!r} has no type annotation")
    base = ann.value if isinstance(ann, ast.Subscript) else ann
    name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
    name = {"List": "list", "Sequence": "list"}.get(str(name), name)
    if name in TYPES:
        return TYPES[name]
    raise ValueError(
        f"parameter {param!r} has type {ast.unparse(ann)}: only str, int, float, bool and list "
        "are allowed (pass complex values as JSON strings)"
    )


def _docstring_parts(doc: str) -> tuple[str, dict[str, str], str | None]:
    """Summary, per-argument descriptions and the ``Example:`` call text of a docstring."""
    lines = doc.strip().splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    example = None
    section = "summary"
    for raw in lines:
        line = raw.strip()
        low = line.lower()
        if low in ("args:", "arguments:", "parameters:"):
            section = "args"
            continue
        if low.startswith(("returns:", "return:", "raises:")):
            section = "other"
            continue
        if low.startswith(("example:", "examples:", ">>>")):
            rest = line.split(":", 1)[1] if ":" in line and not line.startswith(">>>") else line
            example = rest.replace(">>>", "").strip() or None
            section = "example"
            continue
        if section == "summary":
            if not line and summary:
                section = "other"
            elif line:
                summary.append(line)
        elif section == "args":
            m = ARG_LINE.match(line)
            if m:
                args[m.group(1)] = m.group(3).strip()
        elif section == "example" and example is None and line:
            example = line.replace(">>>", "").strip()
    return " ".join(summary), args, example


def _example_kwargs(text: str, fn: ast.FunctionDef) -> dict[str, Any]:
    call_text = re.split(r"\s*(?:->|==|=>)\s*", text)[0].strip()
    try:
        call = ast.parse(call_text, mode="eval").body
    except SyntaxError:
        raise ValueError(f"its Example line is not a call: {text!r}") from None
    if not isinstance(call, ast.Call) or getattr(call.func, "id", None) != fn.name:
        raise ValueError(f"its Example line does not call {fn.name}: {text!r}")
    names = [a.arg for a in fn.args.args]
    try:
        kwargs = {names[i]: ast.literal_eval(a) for i, a in enumerate(call.args)}
        kwargs.update({k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg})
    except (ValueError, IndexError, SyntaxError):
        raise ValueError(f"its Example arguments are not literals: {text!r}") from None
    return kwargs


def function_spec(fn: ast.FunctionDef) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The OpenAI tool spec of a function (and its example arguments), or ValueError why not."""
    if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs or fn.args.posonlyargs:
        raise ValueError("only plain named parameters are allowed (no *args, **kwargs)")
    doc = ast.get_docstring(fn)
    if not doc:
        raise ValueError("has no docstring")
    summary, arg_docs, example_text = _docstring_parts(doc)
    if not summary:
        raise ValueError("its docstring has no summary line")
    params = fn.args.args
    n_required = len(params) - len(fn.args.defaults)
    props: dict[str, Any] = {}
    for a in params:
        props[a.arg] = {"type": _json_type(a.annotation, a.arg)}
        if arg_docs.get(a.arg):
            props[a.arg]["description"] = arg_docs[a.arg]
    required = [a.arg for a in params[:n_required]]
    spec = {
        "type": "function",
        "function": {
            "name": fn.name,
            "description": summary,
            "parameters": {"type": "object", "properties": props, "required": required},
        },
    }
    example = _example_kwargs(example_text, fn) if example_text else None
    return spec, example
