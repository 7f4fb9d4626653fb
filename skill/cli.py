"""The ``knee-coach`` command: ``chat`` (text simulator), ``serve`` (HTTPS endpoint), ``build``.

Each subcommand's module is imported only when it runs, so ``knee-coach chat`` never
loads Flask and ``serve`` never loads the simulator.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

SUBCOMMANDS = {
    "chat": ("skill.chat", "Talk to Knee Coach in the terminal, as Alexa would hear you."),
    "serve": ("skill.serve", "Serve the skill as an HTTPS endpoint for Alexa (production WSGI)."),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="knee-coach", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
