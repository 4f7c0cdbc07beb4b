"""Exceptions meant for people. The CLI prints them as `Error: ...` and exits 1."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: the message says what is wrong, where, and how to fix it."""


class ConfigError(UserError):
    """`rules.yaml` is wrong. `problems` holds every problem as "file:line: path: problem (fix)"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class SecretError(UserError):
    """A secret reference cannot be resolved (names the reference, never the value)."""
