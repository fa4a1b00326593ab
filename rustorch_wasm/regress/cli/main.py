"""``python -m rustorch_wasm.regress`` (also ``rustorch-regress``).

Subcommands: ``detect``, ``baseline set``, ``baseline check``, ``compare``,
and any module listed in :data:`OPTIONAL_COMMANDS` that exists (``gate``,
``site`` and ``run`` are added by their own modules). Each command module provides ``add_parser(subparsers)``,
which registers its parser and sets ``func=run``, and ``run(args) -> int``.

Exit codes: 0 no regression, 1 at least one regression (or upward drift),
(``site``: 0 whenever the site was built), 2 usage or input error, reported as one line ``error: ...`` on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn, Sequence

from ..model.config import ConfigError
from ..io.baseline import BaselineError
from ..io.repository import HistoryError
from ..io.results import ResultsError
from . import commands
from .asv_runner import AsvRunError

# Further command modules (add_parser/run); skipped while absent.
OPTIONAL_COMMANDS = ("gate", "site_command", "run_command", "merge_command", "backfill_command",
                     "triage_command", "comment_command")
INPUT_ERRORS = (ResultsError, HistoryError, ConfigError, BaselineError, AsvRunError)


class Parser(argparse.ArgumentParser):
    """argparse that reports one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> Parser:
    parser = Parser(prog="rustorch-regress",
                    description="Statistical regression detection over asv results.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    commands.add_parser(sub)
    for name in OPTIONAL_COMMANDS:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except INPUT_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
