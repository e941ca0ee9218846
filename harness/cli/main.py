"""The ``harness`` command line. Imports stay inside the commands: ``--help`` must be instant."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from harness import __version__
from harness.errors import UserError

PLUGIN_COMMANDS = {"run": "tasks", "generate": "generators", "train": "trainers"}
KIND_CHOICES = ["tasks", "models", "metrics", "environments", "generators", "trainers"]


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as one ``harness: error:`` line and "did you mean" for a
    misspelt option (as for task names)."""

    def error(self, message: str) -> Any:
        where = "" if self.prog == "harness" else f"{self.prog}: "
        if message.startswith("unrecognized arguments:"):
            import difflib

            options = _option_strings(self)
            for word in message.split(":", 1)[1].split():
                name = word.split("=", 1)[0]
                if name.startswith("--") and name not in options:
                    close = difflib.get_close_matches(name, options, n=3, cutoff=0.7)
                    hint = f" Did you mean: {', '.join(close)}?" if close else ""
                    raise UserError(f"{where}unknown option {name}.{hint} See --help.")
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            from harness.errors import did_you_mean

            choices = re.findall(r"'([^']*)'", choice.group(2))
            message += did_you_mean(choice.group(1), choices).replace(" Did", ". Did", 1)
        raise UserError(f"{where}{message}")


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every long option of ``parser`` and of its subcommands."""
    out: list[str] = []
    for action in parser._actions:
        out += [o for o in action.option_strings if o.startswith("--")]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out += _option_strings(sub)
    return sorted(set(out))


def _add_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        metavar="PROVIDER/NAME",
        default=None,
        help="default model, for every role not set with --model-role "
        "(default: llamacpp/smollm2, the embedded model)",
    )
    p.add_argument(
        "--model-role",
        metavar="ROLE=PROVIDER/NAME",
        action="append",
        default=[],
        help="model for one role (user, reviewer, judge, generator, ...); repeatable",
    )
    p.add_argument(
        "-M",
        dest="model_args",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="model argument (backend-specific); repeatable",
    )
    p.add_argument(
        "-G",
        dest="gen_args",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="sampling setting: temperature, top_p, max_tokens, ...; repeatable",
    )
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")


def _add_plugin_common(p: argparse.ArgumentParser, cmd: str) -> None:
    p.add_argument(
        "-T",
        dest="task_args",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="plugin option (also settable as --flag, see below); repeatable",
    )
    p.add_argument(
        "--tasks-path",
        action="append",
        default=[],
        metavar="PATH",
        help="extra task files (YAML) or folders of them",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="parent folder of run directories (default: runs)",
    )
    _add_model_flags(p)
    if cmd == "run":
        p.add_argument(
            "--resume",
            metavar="RUN_DIR",
            default=None,
            help="finish an interrupted run; finished samples are not run again",
        )
        p.add_argument("--limit", type=int, default=None, help="only the first N samples")
        p.add_argument(
            "--sample-id",
            action="append",
            default=None,
            metavar="ID",
            help="only this sample; repeatable",
        )
        p.add_argument("--epochs", type=int, default=1, help="repetitions of every sample")
        p.add_argument(
            "--max-concurrency",
            type=int,
            default=4,
            metavar="C",
            help="samples in flight at once (default 4)",
        )
        p.add_argument(
            "--sample-timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="give up on a sample after this long of its own time (recorded as an error); "
            "waiting for its turn on a serial engine or for a run slot does not count",
        )
        p.add_argument(
            "--cache",
            action=argparse.BooleanOptionalAction,
            default=False,
            help="serve repeated model calls from the response cache",
        )
        p.add_argument("--no-progress", action="store_true", help="plain progress lines only")
    if cmd == "generate":
        p.add_argument(
            "--resume",
            metavar="RUN_DIR",
            default=None,
            help="finish an interrupted generate run of an item generator; finished items are "
            "not produced again",
        )
    if cmd in ("run", "generate"):
        _add_executor_flags(p)


def _add_executor_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="where samples (a generator's items) run: this process (default) or Ray workers "
        "(pip install 'agentharness[ray]'; see docs/scale-out.md); also with --resume",
    )
    p.add_argument(
        "--ray-address",
        default=None,
        metavar="HOST:PORT",
        help="a running Ray cluster to join (default: start a local one)",
    )
    p.add_argument(
        "--ray-workers",
        type=int,
        default=None,
        metavar="N",
        help="Ray worker actors, each holding its own models (default: one per cluster CPU)",
    )
    p.add_argument(
        "--ray-gpus-per-worker",
        type=float,
        default=0.0,
        metavar="G",
        help="GPUs each Ray worker reserves (for hf/ and vllm/ engines on GPU nodes)",
    )


def build_parser(plugin_flags: tuple[str, str, Any] | None = None) -> argparse.ArgumentParser:
    parser = Parser(
        prog="harness",
        allow_abbrev=False,
        description="Evaluate, generate data for, and train tool-using LLM agents. "
        "Everything (tasks, models, environments, metrics, generators, trainers) "
        "comes from plugins.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for cmd, kind in PLUGIN_COMMANDS.items():
        helps = {
            "run": "evaluate a model on a task",
            "generate": "generate a dataset",
            "train": "train a checkpoint",
        }
        p = sub.add_parser(
            cmd,
            help=helps[cmd],
            allow_abbrev=False,
            description=f"{helps[cmd].capitalize()}. `harness {cmd} NAME --help` "
            "also lists NAME's own options.",
        )
        p.add_argument(
            "name", nargs="?", metavar=kind[:-1].upper(), help=f"a name from `harness list {kind}`"
        )
        _add_plugin_common(p, cmd)
        if plugin_flags and plugin_flags[0] == cmd and plugin_flags[2] is not None:
            from harness.options import add_option_flags

            add_option_flags(p, plugin_flags[2], f"options of {plugin_flags[1]}")

    p = sub.add_parser("plugins", help="list installed plugins (and catalogued ones)")
    p.add_argument(
        "--available",
        action="store_true",
        help="also list catalogued plugins that are not installed",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("list", help="list tasks, models, metrics, environments, ...")
    p.add_argument("kind", choices=KIND_CHOICES)
    p.add_argument("--tasks-path", action="append", default=[], metavar="PATH")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="print a run's metrics with CIs (and per-sample reports)")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--samples", action="store_true", help="per-sample reports and errors")
    p.add_argument("--json", action="store_true", help="print results.json")

    p = sub.add_parser(
        "compare",
        help="runs of one task side by side: each metric's mean and its paired difference "
        "from the first run, with a 95%% CI",
        description="Compare runs of one task (say a base model and its trained checkpoints): "
        "per metric, each run's mean over the samples it and the first both scored, and its "
        "difference from the first with a 95% CI from a paired bootstrap over samples (a "
        "sample's epochs kept together).",
    )
    p.add_argument(
        "run_dirs", nargs="+", metavar="RUN_DIR", help="two or more; the first is the baseline"
    )
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")

    p = sub.add_parser("score", help="re-score saved transcripts without calling a model")
    p.add_argument("source", metavar="RUN_DIR|FILE.jsonl")
    p.add_argument("--task", default=None, help="the task, for a bare JSONL (default: run.json's)")
    p.add_argument("-T", dest="task_args", metavar="KEY=VALUE", action="append", default=[])
    p.add_argument("--tasks-path", action="append", default=[], metavar="PATH")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "export",
        help="write a run's records as a dataset (jsonl, parquet, or a Hugging Face folder)",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--format", choices=["jsonl", "parquet", "hf"], default="jsonl")
    p.add_argument(
        "--out",
        default=None,
        metavar="PATH",
        help="file (jsonl, parquet) or folder (hf) to write (default: beside RUN_DIR)",
    )

    p = sub.add_parser(
        "view",
        help="browse runs in a local web viewer (or --export a static site)",
        description="A web viewer of run directories: runs, metrics with CIs, samples "
        "(filtered, searched), transcripts, compare, plots. Binds 127.0.0.1; another address "
        "needs --host and --token. Needs the 'view' extra.",
    )
    p.add_argument(
        "runs_dir",
        nargs="?",
        default="runs",
        metavar="RUNS_DIR",
        help="a folder of run directories, or one run directory (default: runs)",
    )
    p.add_argument("--port", type=int, default=7575, help="port (default 7575; 0: any free)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; another one needs --token)",
    )
    p.add_argument(
        "--token", default=None, help="every request must carry it (?token=, then a cookie)"
    )
    p.add_argument(
        "--export",
        default=None,
        metavar="DIR",
        help="write a static site of the runs to DIR instead of serving",
    )

    p = sub.add_parser("schema", help="print the JSON Schema of a file the harness writes")
    p.add_argument("name", nargs="?", help="omit to list the names")

    p = sub.add_parser("cache", help="response cache: stats or clear")
    p.add_argument("action", choices=["stats", "clear"])
    p.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="DAYS",
        help="with clear: only entries older than this",
    )
    return parser


def _plugin_flags(argv: list[str]) -> tuple[str, str, Any] | None:
    """For `run|generate|train NAME`, NAME's options model, so its flags join the parser."""
    if not argv or argv[0] not in PLUGIN_COMMANDS:
        return None
    cmd = argv[0]
    pre = Parser(prog=f"harness {cmd}", add_help=False, allow_abbrev=False)
    pre.add_argument("name", nargs="?")
    _add_plugin_common(pre, cmd)
    known, _ = pre.parse_known_args(argv[1:])
    if not known.name:
        return None
    from harness.plugins.manager import get_manager

    manager = get_manager(known.tasks_path)
    kind = PLUGIN_COMMANDS[cmd]
    if kind == "tasks":
        from harness.plugins.taskfiles import task_options_model

        return cmd, known.name, task_options_model(known.name, manager)
    return cmd, known.name, getattr(manager.registry(kind).get(known.name), "Options", None)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            flags = _plugin_flags(argv)
        except UserError:
            if "-h" in argv or "--help" in argv:
                flags = None
            else:
                raise
        args = build_parser(flags).parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 0
        from harness.cli import commands

        return int(getattr(commands, f"cmd_{args.command}")(args) or 0)
    except UserError as exc:
        from harness.secrets import scrub

        print(f"harness: error: {scrub(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return 130
