from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    pass
