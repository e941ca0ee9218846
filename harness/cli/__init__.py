"""The ``harness`` command line: argument parsing, the subcommands, tables and progress bars.

Only :func:`main` is imported here; everything else loads inside the command that needs it, so
``harness --help`` stays fast.
"""

from __future__ import annotations

from harness.cli.main import main

__all__ = ["main"]
