"""`driftsvarsel init [DIR]`: a commented starter rules.yaml and the systemd unit, from the package.

The templates ship inside the package (`monitor/data/templates/`, read with importlib.resources),
so a pip-installed copy has them without a checkout. They are the repository's `rules.yaml` and
`systemd/driftsvarsel.service`, kept identical by a test. Nothing is overwritten: when either file
exists, neither is written.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from monitor.errors import UserError

#: Template name in monitor/data/templates → the file written in DIR.
TEMPLATES = ("rules.yaml", "driftsvarsel.service")


def template_text(name: str) -> str:
    """The shipped template `name` (one of TEMPLATES)."""
    return resources.files("monitor").joinpath("data", "templates", name).read_text(encoding="utf-8")


def write_starter(directory: Path) -> list[Path]:
    """Write every template into `directory` (created if needed); returns the files written.

    Raises UserError, writing nothing, when one of the files exists already or cannot be written.
    """
    targets = [directory / name for name in TEMPLATES]
    existing = [str(path) for path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise UserError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; nothing was written "
            f"(move {'it' if len(existing) == 1 else 'them'} away, or give init another directory)"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path in targets:
            with path.open("x", encoding="utf-8") as file:  # "x": never replace a file made meanwhile
                file.write(template_text(path.name))
    except OSError as error:
        raise UserError(
            f"cannot write in {directory}: {error.strerror} (give init a directory you can write to)"
        ) from None
    return targets


def add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `init` command's parser."""
    init = commands.add_parser(
        "init", help="write a commented starter rules.yaml and the systemd unit (never overwrites)"
    )
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: .")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    rules, unit = write_starter(args.directory)
    print(f"Wrote {rules} and {unit}. Next:")
    print(f"  $EDITOR {rules}                       # your kommuner, channels and SMTP server")
    print(f"  driftsvarsel rules check --offline {rules}")
    print(f"  install -d /etc/driftsvarsel && cp {rules} /etc/driftsvarsel/")
    print(f"  cp {unit} /etc/systemd/system/ && systemctl daemon-reload")
    print("  driftsvarsel rules check /etc/driftsvarsel/rules.yaml   # as root: are the secrets in place?")
    print("  systemctl enable --now driftsvarsel")
    return 0
