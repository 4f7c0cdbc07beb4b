"""The `kommuner:` and `admin:` sections of rules.yaml: who gets alerts, through which channels.

Called by config.py with a Checker; every problem is recorded, nothing is raised.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitor.catalogue import apis as catalogue
from monitor.catalogue import kommuner
from monitor.config.channels import parse_channels, parse_filters
from monitor.config.parse import Checker, join
from monitor.config.types import ChannelConfig, KommuneConfig
from monitor.model import ALL_APIS, KOMMUNE_APIS
from monitor.texts import LANGUAGES, Language

KOMMUNE_KEYS = (
    "kommunenummer",
    "navn",
    "målform",
    "rettighetspakker",
    "apis",
    "categories",
    "environments",
    "channels",
)
ADMIN_KEYS = ("målform", "channels")


def parse_kommuner(checker: Checker, node: Node, path: str = "kommuner") -> tuple[KommuneConfig, ...]:
    items = checker.sequence(node, path)
    if items is None:
        return ()
    result: list[KommuneConfig] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        kommune = parse_kommune(checker, item, f"{path}[{index}]")
        # A kommune refused for a problem of its own still counts as listed.
        number = kommune.number if kommune is not None else _written_number(item)
        if number is None:
            continue
        if number in seen:
            checker.problem(
                item,
                f"{path}[{index}].kommunenummer",
                f"{number} is listed twice (first at line {seen[number]})",
                "merge the two entries",
            )
            continue
        seen[number] = item.start_mark.line + 1
        if kommune is not None:
            result.append(kommune)
    return tuple(result)


def _written_number(node: Node) -> str | None:
    """The kommunenummer written in a refused kommune's mapping, when it is a known one."""
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "kommunenummer" and isinstance(value, ScalarNode):
            number = str(value.value)
            return number if kommuner.kommune_name(number) is not None else None
    return None


def parse_kommune(checker: Checker, node: Node, path: str) -> KommuneConfig | None:
    entries = checker.mapping(node, path, KOMMUNE_KEYS, required=("kommunenummer", "channels"))
    if entries is None:
        return None
    number = name = None
    if "kommunenummer" in entries:
        number = _kommunenummer(checker, entries, path)
    if number is not None:
        name = kommuner.kommune_name(number)
    pakker: tuple[str, ...] | None = ()
    if "rettighetspakker" in entries:
        pakker = _rettighetspakker(checker, entries["rettighetspakker"][1], join(path, "rettighetspakker"))
    explicit = _apis(checker, entries["apis"][1], join(path, "apis")) if "apis" in entries else ()
    if pakker is not None and explicit is not None and not pakker and not explicit:
        checker.problem(
            node, path, "this kommune would get no API notices", "list its rettighetspakker or apis"
        )
    categories, environments = parse_filters(checker, entries, path)
    malform: Language | None = "nb"
    if "målform" in entries:
        malform = _malform(checker, entries["målform"][1], join(path, "målform"))
    channels = None
    if "channels" in entries:
        prefix = name or "KOMMUNE"
        channels = parse_channels(checker, entries["channels"][1], join(path, "channels"), prefix)
    if number is None or name is None or pakker is None or explicit is None or channels is None:
        return None
    if malform is None:
        return None
    apis: tuple[str, ...]
    if ALL_APIS in explicit:
        apis = (ALL_APIS,)
    else:
        apis = tuple(sorted(set(catalogue.apis_for(pakker)) | set(explicit)))
    return KommuneConfig(
        number=number,
        name=name,
        rettighetspakker=pakker,
        apis=apis,
        channels=channels,
        categories=categories,
        environments=environments,
        line=node.start_mark.line + 1,
        malform=malform,
    )


def _malform(checker: Checker, node: Node, path: str) -> Language | None:
    """`målform: nb | nn` (bokmål or nynorsk), as the kommune's språkvedtak says."""
    value = checker.text(node, path)
    if value is None:
        return None
    if value in LANGUAGES:
        return "nn" if value == "nn" else "nb"
    checker.problem(
        node,
        path,
        f"'{value}' is not a målform",
        "write nb (bokmål) or nn (nynorsk), as the kommune's språkvedtak says",
    )
    return None


def _kommunenummer(checker: Checker, entries: dict[str, tuple[Node, Node]], path: str) -> str | None:
    node = entries["kommunenummer"][1]
    number = checker.text(node, join(path, "kommunenummer"))
    given_name = checker.optional_text(entries["navn"][1], join(path, "navn")) if "navn" in entries else None
    if number is None:
        return None
    if kommuner.kommune_name(number) is None:
        hint = "see monitor/data/kommuner.csv"
        named = kommuner.numbers_named(given_name) if given_name else []
        if named:
            hint += f"; {given_name} is {' or '.join(named)}"
        elif len(number) < 4 and kommuner.kommune_name(number.zfill(4)):
            hint = f"write all four digits in quotes: '{number.zfill(4)}'"
        checker.problem(node, join(path, "kommunenummer"), f"'{number}' is not a kommunenummer", hint)
        return None
    if given_name and not kommuner.name_matches(number, given_name):
        actual = kommuner.kommune_name(number)
        named = kommuner.numbers_named(given_name)
        hint = f"{number} is {actual}" + (f"; {given_name} is {' or '.join(named)}" if named else "")
        checker.problem(
            entries["navn"][1], join(path, "navn"), f"'{given_name}' is not the name of {number}", hint
        )
        return None
    return number


def _rettighetspakker(checker: Checker, node: Node, path: str) -> tuple[str, ...] | None:
    items = checker.sequence(node, path, allow_scalar=True)
    if items is None:
        return None
    names: list[str] = []
    ok = True
    for index, item in enumerate(items):
        value = checker.text(item, f"{path}[{index}]")
        canonical = None if value is None else catalogue.canonical_rettighetspakke(value)
        if value is not None and canonical is None:
            suggestion = catalogue.suggest_rettighetspakke(value)
            hint = (
                f"did you mean '{suggestion}'?"
                if suggestion
                else (
                    "known: "
                    + ", ".join(catalogue.RETTIGHETSPAKKE_SCOPES)
                    + "; for others list the APIs under apis"
                )
            )
            checker.problem(
                item, f"{path}[{index}]", f"'{value}' is not a known kommune rettighetspakke", hint
            )
        if canonical is None:
            ok = False
        elif canonical not in names:
            names.append(canonical)
    return tuple(names) if ok else None


def _apis(checker: Checker, node: Node, path: str) -> tuple[str, ...] | None:
    values = checker.choices(node, path, KOMMUNE_APIS + (ALL_APIS,))
    return None if values is None else tuple(sorted(set(values)))


def parse_admin_malform(checker: Checker, node: Node, path: str = "admin") -> Language | None:
    """`admin: {målform: nn, ...}`: the written standard of the admin route (default nb)."""
    # parse_admin reports the section's shape; this only reads the one key, so nothing twice.
    if not isinstance(node, MappingNode):
        return "nb"
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "målform":
            return _malform(checker, value, join(path, "målform"))
    return "nb"


def parse_admin(checker: Checker, node: Node, path: str = "admin") -> tuple[ChannelConfig, ...]:
    """`admin: {channels: [...]}`, or the shorthand `admin: [...]` (a list of channels)."""
    if isinstance(node, SequenceNode):
        return parse_channels(checker, node, path) or ()
    entries = checker.mapping(node, path, ADMIN_KEYS, required=("channels",))
    if entries is None or "channels" not in entries:
        return ()
    return parse_channels(checker, entries["channels"][1], join(path, "channels")) or ()
