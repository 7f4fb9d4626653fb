"""The ``knee-coach`` command: ``chat`` (text simulator), ``serve`` (HTTPS endpoint), ``build``.

Each subcommand's module is imported only when it runs, so ``knee-coach chat`` never
loads Flask and ``serve`` never loads the simulator.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS = {
    "chat": ("skill.local.chat", "Talk to Knee Coach in the terminal, as Alexa would hear you."),
    "serve": (
        "skill.web.serve",
        "Serve the skill as an HTTPS endpoint for Alexa (production WSGI).",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="knee-coach", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    # The first word that names a subcommand is the one that runs: only its module is loaded
    # (``serve`` needs the ``web`` extra, which ``make chat`` does not install).
    chosen = next((word for word in words if word in SUBCOMMANDS), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name != chosen:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            parser.exit(2, f"knee-coach {name} needs {exc.name}: pip install 'knee-coach[web]'\n")
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(run=module.run)
    args = parser.parse_args(words)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
