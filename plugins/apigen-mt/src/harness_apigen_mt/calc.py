"""The ``calculate`` tool: arithmetic over + - * / ** // ( ) without eval."""

from __future__ import annotations

import ast
import operator
from typing import Any

from harness_apigen_mt.toolkit import ToolError

_ALLOWED = set("0123456789+-*/(). ")
_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.FloorDiv: operator.floordiv,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 1000:
            raise ToolError("exponent too large")
        return _BIN[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    raise ToolError("Invalid expression")


def calculate(db: dict[str, Any], expression: str) -> str:
    if not all(ch in _ALLOWED for ch in expression):
        raise ToolError("Invalid characters in expression")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"invalid syntax ({exc.msg})") from None
    try:
        value = _eval(tree)
    except ZeroDivisionError as exc:
        raise ToolError(str(exc)) from None
    return str(round(float(value), 2))
