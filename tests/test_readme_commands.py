"""The README documents every command, every exit code and every `--json` shape the CLI has."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.cli import common
from monitor.cli.main import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[f"{prefix}{name}"] = sub
                found.update(_commands(sub, f"{prefix}{name} "))
    return found


def test_every_command_is_in_the_readme() -> None:
    commands = _commands(build_parser())
    # The walk finds nested actions too (a broken walk would find nothing and pass the check below).
    expected = {"run", "poll", "rules check", "rules test", "outbox retry", "notify test", "init"}
    assert expected <= set(commands)
    missing = [name for name in commands if f"driftsvarsel {name}" not in README]
    assert missing == []


def test_every_json_command_has_its_shape_documented() -> None:
    section = README.split("### JSON output", 1)[1].split("\n## ", 1)[0]
    with_json = sorted(
        name
        for name, parser in _commands(build_parser()).items()
        if any("--json" in action.option_strings for action in parser._actions)
    )
    assert with_json == [
        "history",
        "notify test",
        "outbox",
        "poll",
        "probe",
        "rules backtest",
        "rules explain",
        "rules test",
        "silence list",
        "status",
    ]
    assert [name for name in with_json if f"- `{name}" not in section] == []


def test_every_exit_code_is_in_the_readme_table() -> None:
    codes = [
        common.OK,
        common.ERROR,
        common.USAGE,
        common.SOURCE_FAILED,
        common.API_DOWN,
        common.DELIVERY_FAILED,
        common.INTERRUPTED,
        common.BROKEN_PIPE,
    ]
    table = README.split("### Exit codes", 1)[1].split("### JSON output", 1)[0]
    assert [code for code in codes if f"\n| {code} |" not in table] == []
