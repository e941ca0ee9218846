"""Run BFCL's released AST checker (bfcl-eval) over cases; executed by the throwaway venv's python.

Reads JSON Lines cases {key, category, functions, output, answer} on stdin and writes
{key, valid, error} lines on stdout. Only the checker module is imported. Its one import beyond
the standard library, the model registry (``bfcl_eval.constants.model_config``, which imports
every provider SDK), is used by ``convert_func_name`` alone, to turn "." into "_" in function
names for models whose APIs forbid dots; we register one model without that conversion, which is
what the checker does for a model that keeps the names, and feed it the true names.
"""

import json
import sys
import types
from dataclasses import dataclass


@dataclass
class _Config:
    underscore_to_dot: bool = False


registry = types.ModuleType("bfcl_eval.constants.model_config")
registry.MODEL_CONFIG_MAPPING = {"parity-bench": _Config()}  # type: ignore[attr-defined]
sys.modules["bfcl_eval.constants.model_config"] = registry

from bfcl_eval.constants.enums import Language  # noqa: E402
from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker  # noqa: E402


def main() -> None:
    for line in sys.stdin:
        case = json.loads(line)
        try:
            res = ast_checker(
                case["functions"],
                case["output"],
                case["answer"],
                Language.PYTHON,
                case["category"],
                "parity-bench",
            )
            out = {"key": case["key"], "valid": bool(res["valid"]), "error": res.get("error_type")}
        except Exception as exc:  # the checker crashed on this case
            out = {
                "key": case["key"],
                "valid": None,
                "error": f"crash: {type(exc).__name__}: {exc}",
            }
        sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
