"""The ``tongban`` console script: Django's management commands, with dashed names.

``tongban gen-city --people 20000`` runs the ``gen_city`` command; ``tongban photo check FILE``
runs ``photo`` with its own sub-commands.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; the first word may use dashes."""
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
