"""Exceptions meant for people. The CLI prints them as `Error: ...` and exits with their `exit_code`."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: the message says what is wrong, where, and how to fix it."""

    exit_code = 1


class NotANoticeError(UserError):
    """A file given as a notice is not one (no front matter, no title): a usage error, exit 2."""

    exit_code = 2


class ConfigError(UserError):
    """`rules.yaml` is wrong. `problems` holds every problem as "file:line: path: problem (fix)"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class SecretError(UserError):
    """A secret reference cannot be resolved (names the reference, never the value)."""
