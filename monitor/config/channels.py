"""Channels in rules.yaml (of a kommune or of the admin route): kind, secret reference, filters.

Called by configkommuner.py with a Checker; every problem is recorded, nothing is raised.
"""

from __future__ import annotations

import re
from typing import cast

from yaml.nodes import MappingNode, Node, ScalarNode

from monitor.config.parse import Checker, join
from monitor.config.schedule import SCHEDULE_KEYS, parse_schedule
from monitor.config.secrets import CRED_PREFIX, ENV_PREFIX, is_secret_ref
from monitor.config.types import ChannelConfig, ChannelKind
from monitor.model import CATEGORIES, Category, Environment

CHANNEL_KINDS: tuple[ChannelKind, ...] = ("slack_webhook", "slack_bot", "teams", "email")
#: Keys every channel takes, then the keys of each kind (the secret-bearing ones are references).
COMMON_CHANNEL_KEYS = ("name", "kind", "categories", "environments", "fallback") + SCHEDULE_KEYS
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "slack_webhook": ("webhook",),
    "teams": ("webhook",),
    "slack_bot": ("token", "channel"),
    "email": ("to",),
}
ALL_CHANNEL_KEYS = COMMON_CHANNEL_KEYS + ("webhook", "token", "channel", "to")
#: A filter names prod and/or test; notices for "both" or an unspecified environment always pass.
FILTER_ENVIRONMENTS: tuple[Environment, ...] = ("prod", "test")

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
SLACK_TOKEN = re.compile(r"xox[a-z]-")


def parse_filters(
    checker: Checker, entries: dict[str, tuple[Node, Node]], path: str
) -> tuple[frozenset[Category] | None, frozenset[Environment] | None]:
    """The optional `categories` and `environments` filters (None: everything passes)."""
    categories: frozenset[Category] | None = None
    environments: frozenset[Environment] | None = None
    if "categories" in entries:
        values = checker.choices(entries["categories"][1], join(path, "categories"), CATEGORIES)
        categories = None if values is None else frozenset(c for c in CATEGORIES if c in values)
    if "environments" in entries:
        node = entries["environments"][1]
        values = checker.choices(node, join(path, "environments"), FILTER_ENVIRONMENTS)
        environments = None if values is None else frozenset(e for e in FILTER_ENVIRONMENTS if e in values)
    return categories, environments


def parse_channels(
    checker: Checker, node: Node, path: str, prefix: str = "ADMIN"
) -> tuple[ChannelConfig, ...] | None:
    """A kommune's (or the admin route's) channels; `prefix` starts suggested env variable names."""
    items = checker.sequence(node, path)
    if items is None:
        return None
    if not items:
        checker.problem(
            node, path, "no channels", "add at least one channel (email, slack_webhook, slack_bot, teams)"
        )
        return None
    channels: dict[str, ChannelConfig] = {}
    positions: dict[str, int] = {}  # channel name → its index in the file
    refused: dict[str, int] = {}  # name → line of a channel refused for a problem already reported
    written: list[str] = []  # every channel name, accepted or refused, in file order
    for index, item in enumerate(items):
        channel = parse_channel(checker, item, f"{path}[{index}]", prefix)
        name = channel.name if channel is not None else _written_name(item)
        if name is None:
            continue
        first = channels[name].line if name in channels else refused.get(name)
        if first is not None:
            checker.problem(
                item,
                f"{path}[{index}].name",
                f"channel '{name}' is named twice (first at line {first})",
                "give each channel of a kommune its own name",
            )
            continue
        written.append(name)
        if channel is None:
            refused[name] = item.start_mark.line + 1
            continue
        channels[name] = channel
        positions[name] = index
    _check_fallbacks(checker, channels, positions, written, set(refused), path)
    return tuple(channels.values()) if len(channels) == len(items) else None


def _written_name(node: Node) -> str | None:
    """The `name:` written in a refused channel's mapping, as it is (None when there is none)."""
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "name" and isinstance(value, ScalarNode):
            return str(value.value)
    return None


def _check_fallbacks(
    checker: Checker,
    by_name: dict[str, ChannelConfig],
    positions: dict[str, int],
    written: list[str],
    refused: set[str],
    path: str,
) -> None:
    """Each fallback names another channel, and no chain of fallbacks goes round in a circle. A
    fallback to a channel refused for its own problem is not reported again as unknown."""
    for channel in by_name.values():
        if channel.fallback is None or channel.fallback in refused:
            continue
        where = f"{path}[{positions[channel.name]}].fallback"
        if channel.fallback == channel.name:
            checker.problem(
                channel.line, where, "a channel cannot be its own fallback", "name another channel"
            )
        elif channel.fallback not in by_name:
            names = ", ".join(name for name in written if name != channel.name) or "none"
            checker.problem(
                channel.line, where, f"no channel named '{channel.fallback}' here", f"channels: {names}"
            )
        else:
            seen, current = {channel.name}, by_name[channel.fallback]
            while current.fallback is not None and current.fallback in by_name and current.name not in seen:
                seen.add(current.name)
                current = by_name[current.fallback]
            if current.name in seen:
                checker.problem(channel.line, where, "the fallbacks go round in a circle", "end the chain")


def parse_channel(checker: Checker, node: Node, path: str, prefix: str = "ADMIN") -> ChannelConfig | None:
    entries = checker.mapping(node, path, ALL_CHANNEL_KEYS, required=("name", "kind"))
    if entries is None:
        return None
    name = checker.text(entries["name"][1], join(path, "name")) if "name" in entries else None
    if name is not None and not NAME_PATTERN.fullmatch(name):
        checker.problem(
            entries["name"][1],
            join(path, "name"),
            f"'{name}' is not a simple name",
            "use letters, digits, '-', '_' or '.'",
        )
        name = None
    kind = (
        checker.choice(entries["kind"][1], join(path, "kind"), CHANNEL_KINDS) if "kind" in entries else None
    )
    categories, environments = parse_filters(checker, entries, path)
    fallback = (
        checker.optional_text(entries["fallback"][1], join(path, "fallback"))
        if "fallback" in entries
        else None
    )
    schedule = parse_schedule(checker, entries, path)
    if kind is None:
        return None
    ok = _check_kind_keys(checker, node, entries, path, kind)
    secret = target = None
    to: tuple[str, ...] = ()
    suggestion = _env_suggestion(prefix, name, kind)
    if "webhook" in entries and kind in ("slack_webhook", "teams"):
        secret = secret_reference(
            checker, entries["webhook"][1], join(path, "webhook"), "webhook URL", suggestion
        )
    if "token" in entries and kind == "slack_bot":
        secret = secret_reference(
            checker, entries["token"][1], join(path, "token"), "Slack token", suggestion
        )
        target = checker.text(entries["channel"][1], join(path, "channel")) if "channel" in entries else None
    if "to" in entries and kind == "email":
        to = _addresses(checker, entries["to"][1], join(path, "to")) or ()
    ok = ok and (secret is not None or kind == "email") and (kind != "slack_bot" or target is not None)
    if name is None or not ok or (kind == "email" and not to):
        return None
    return ChannelConfig(
        name=name,
        kind=cast(ChannelKind, kind),
        secret=secret,
        target=target,
        to=to,
        categories=categories,
        environments=environments,
        fallback=fallback,
        line=node.start_mark.line + 1,
        schedule=schedule,
    )


def _check_kind_keys(
    checker: Checker, node: Node, entries: dict[str, tuple[Node, Node]], path: str, kind: str
) -> bool:
    ok = True
    for key, (key_node, _) in entries.items():
        if key not in COMMON_CHANNEL_KEYS and key not in KIND_KEYS[kind]:
            checker.problem(
                key_node,
                join(path, key),
                f"'{key}' is not used by {kind} channels",
                f"{kind} channels take: {', '.join(KIND_KEYS[kind])}",
            )
            ok = False
    for key in KIND_KEYS[kind]:
        if key not in entries:
            checker.problem(node, path, f"a {kind} channel needs '{key}'")
            ok = False
    return ok


def _addresses(checker: Checker, node: Node, path: str) -> tuple[str, ...] | None:
    items = checker.sequence(node, path, allow_scalar=True)
    if not items:
        if items is not None:
            checker.problem(node, path, "no recipients", "list at least one address")
        return None
    addresses: list[str] = []
    for index, item in enumerate(items):
        value = checker.text(item, f"{path}[{index}]")
        if value is not None and not EMAIL_PATTERN.fullmatch(value):
            checker.problem(
                item,
                f"{path}[{index}]",
                f"'{value}' is not an email address",
                "write name@example.no, one address per item",
            )
            value = None
        if value is None:
            return None
        addresses.append(value)
    return tuple(addresses)


def secret_reference(checker: Checker, node: Node, path: str, what: str, suggestion: str) -> str | None:
    """An `env:NAME` / `cred:NAME` reference. The value itself is never repeated in a problem."""
    checker.secret_nodes.add(id(node))
    value = checker.text(node, path)
    if value is None or is_secret_ref(value):
        return value
    if value.startswith((ENV_PREFIX, CRED_PREFIX)):
        checker.problem(
            node,
            path,
            "malformed secret reference",
            "env:NAME with letters, digits and '_', or cred:NAME naming a systemd credential",
        )
        return None
    found = "an inline Slack token" if SLACK_TOKEN.match(value) else f"an inline {what}"
    checker.problem(
        node,
        path,
        f"{found}: secrets must not be written in rules.yaml",
        f"move it to an environment variable and write env:{suggestion}, "
        f"or to a systemd credential and write cred:{suggestion.lower().replace('_', '-')}",
    )
    return None


def _env_suggestion(prefix: str, name: str | None, kind: str) -> str:
    """A readable variable name for the fix hint: ("Tromsø", "slack", "teams") → TROMSO_SLACK_WEBHOOK."""
    what = "TOKEN" if kind == "slack_bot" else "WEBHOOK"
    text = "_".join((prefix, name or "channel", what)).upper()
    text = text.replace("Æ", "AE").replace("Ø", "O").replace("Å", "AA")
    return re.sub(r"[^A-Z0-9_]+", "_", text)
