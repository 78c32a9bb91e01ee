"""The `scratchnn` command: train, evaluate, predict, demo, info."""

from __future__ import annotations

import argparse
import sys
import traceback

from scratchnn.cli import demo, evaluate, info, predict, train


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnn",
        description="Neural networks from first principles: train, evaluate and query models.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (train, evaluate, predict, demo, info):
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for usage and file errors)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or "--debug" in argv
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:  # output piped into a program that stopped reading (head)
        return 0
    except KeyboardInterrupt:
        print("scratchnn: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError, UsageError) as error:
        if debug:
            traceback.print_exc()
        message = str(error) if not isinstance(error, KeyError) else f"missing {error}"
        print(f"scratchnn {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
