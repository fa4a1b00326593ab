"""``python -m rustorch_wasm.regress`` (also ``rustorch-regress``).

Subcommands: ``detect``, ``baseline set``, ``baseline check``, ``compare``,
and any module listed in :data:`OPTIONAL_COMMANDS` that exists (``gate``,
``site`` and ``run`` are added by their own modules). Each command module provides ``add_parser(subparsers)``,
which registers its parser and sets ``func=run``, and ``run(args) -> int``.

Exit codes, the same for every command (:data:`EXIT_CODES`): 0 no failing
finding (``site``, ``run``: the job ran), 1 at least one failing finding
(regression, drift), 2 bad input or usage, reported as one line
``error: ...`` on stderr, 3 an internal error: one line naming the problem
and asking for a report, the traceback only with ``--debug``. 2 and 3 are
"no verdict", never "regression".
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from typing import NoReturn, Sequence

from ..model.config import ConfigError
from ..io.baseline import BaselineError
from ..io.ownership import OutputError
from ..io.repository import HistoryError
from ..io.results import ResultsError
from . import commands
from .asv_runner import AsvRunError

# Further command modules (add_parser/run); skipped while absent.
OPTIONAL_COMMANDS = ("gate", "site_command", "run_command", "merge_command", "backfill_command",
                     "triage_command", "comment_command")
INPUT_ERRORS = (ResultsError, HistoryError, ConfigError, BaselineError, AsvRunError, OutputError)
EXIT_CLEAN, EXIT_FAILING, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CODES = {EXIT_CLEAN: "no failing finding", EXIT_FAILING: "failing findings",
              EXIT_INPUT: "bad input or usage (no verdict)",
              EXIT_INTERNAL: "internal error (no verdict)"}
EPILOG = ("Exit status: 0 no failing finding, 1 failing findings (regression, drift), "
          "2 bad input or usage, 3 internal error (--debug shows its traceback).")


class Parser(argparse.ArgumentParser):
    """argparse that reports one line and exits 2 (with the usage when no
    command was given at all)."""

    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message or "required: {" in message:
            self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def version() -> str:
    """The installed distribution's version (this detector ships in two)."""
    from importlib.metadata import PackageNotFoundError, version as dist_version
    for name in ("rustorch-regress", "rustorch-wasm"):
        try:
            return dist_version(name)
        except PackageNotFoundError:
            continue
    return "unknown"


def with_common_options(parser: argparse.ArgumentParser) -> None:
    """``--debug`` and ``--quiet`` on ``parser`` and every sub-command parser below it."""
    if "--debug" not in parser._option_string_actions:
        parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                            help="show the traceback of an internal error")
    if "--quiet" not in parser._option_string_actions and parser.prog != "rustorch-regress":
        parser.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                            help="no progress lines on stderr")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                with_common_options(sub)


def build_parser() -> Parser:
    parser = Parser(prog="rustorch-regress", epilog=EPILOG,
                    description="Statistical regression detection over asv results.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
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
    with_common_options(parser)
    return parser


def internal_error(exc: BaseException, debug: bool) -> int:
    """Exit 3: one line naming the problem (the traceback first with --debug)."""
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    text = " ".join(str(exc).split())[:200]
    print(f"error: internal error{at}: {type(exc).__name__}{': ' + text if text else ''}; "
          "this is a bug in rustorch-regress, not in your results: please report it with the "
          "command line" + ("" if debug else " and the output of the same command with --debug"),
          file=sys.stderr)
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except INPUT_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:     # noqa: BLE001  (a bug: exit 3, never 1)
        return internal_error(exc, debug)


if __name__ == "__main__":
    sys.exit(main())
