"""A channel's `quiet_hours`, `digest` and `urgent_categories` (rules.yaml) → DeliverySchedule.

Called by `channels.parse_channel` with a Checker; every problem is recorded with its line.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time
from typing import cast

from yaml.nodes import Node

from monitor.config.parse import Checker, join
from monitor.config.types import URGENT_CATEGORIES, DeliverySchedule
from monitor.model import CATEGORIES, Category

SCHEDULE_KEYS = ("quiet_hours", "digest", "urgent_categories", "remind_after")
_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_QUIET = re.compile(rf"{_CLOCK}\s*-\s*{_CLOCK}")
_DIGEST = re.compile(rf"daily\s+{_CLOCK}")


def parse_schedule(checker: Checker, entries: dict[str, tuple[Node, Node]], path: str) -> DeliverySchedule:
    """The schedule (the default one when no key is given). A wrong key is recorded as a problem,
    which refuses the file, and left at its default, so the channel still counts in the checks
    between channels (names, fallbacks, SMTP), as a channel with a wrong filter does."""
    schedule = DeliverySchedule()
    if "quiet_hours" in entries:
        quiet = _quiet(checker, entries["quiet_hours"][1], join(path, "quiet_hours"))
        if quiet is not None:
            schedule = DeliverySchedule(quiet[0], quiet[1], schedule.digest_at, schedule.urgent)
    if "digest" in entries:
        node = entries["digest"][1]
        value = checker.text(node, join(path, "digest"))
        match = _DIGEST.fullmatch(value or "")
        if value is not None and match is None:
            checker.problem(
                node, join(path, "digest"), f"'{value}' is not a digest time", 'write "daily 07:30"'
            )
        if match is not None:
            at = time(int(match.group(1)), int(match.group(2)))
            schedule = DeliverySchedule(schedule.quiet_start, schedule.quiet_end, at, schedule.urgent)
    if "urgent_categories" in entries:
        urgent = _urgent(checker, entries["urgent_categories"][1], join(path, "urgent_categories"))
        if urgent is not None:
            schedule = DeliverySchedule(schedule.quiet_start, schedule.quiet_end, schedule.digest_at, urgent)
    if "remind_after" in entries:
        hours = checker.number(entries["remind_after"][1], join(path, "remind_after"), minimum=0, maximum=168)
        if hours is not None:
            schedule = replace(schedule, remind_after_hours=float(hours))
    return schedule


def _quiet(checker: Checker, node: Node, path: str) -> tuple[time, time] | None:
    value = checker.text(node, path)
    match = _QUIET.fullmatch(value or "")
    if value is None:
        return None
    if match is None:
        checker.problem(
            node, path, f"'{value}' is not a time range", 'write it as "22:00-07:00" (Norwegian time)'
        )
        return None
    start = time(int(match.group(1)), int(match.group(2)))
    end = time(int(match.group(3)), int(match.group(4)))
    if start == end:
        checker.problem(node, path, "the quiet hours start and end at the same time", "remove quiet_hours")
        return None
    return start, end


def _urgent(checker: Checker, node: Node, path: str) -> frozenset[Category] | None:
    values = checker.choices(node, path, CATEGORIES)
    if values is None:
        return None
    chosen = frozenset(cast(Category, value) for value in values)
    missing = sorted({"downtime", "error"} - chosen)
    if missing:
        checker.problem(
            node,
            path,
            f"{' and '.join(missing)} must always go out at once",
            "list categories to send at once in addition to downtime, error and resolved",
        )
        return None
    return chosen | URGENT_CATEGORIES
