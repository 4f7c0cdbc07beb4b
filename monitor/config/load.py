"""Read rules.yaml into typed `Rules`, reporting every problem at once.

Each problem reads `file:line: path: problem (how to fix)`, for example
`rules.yaml:14: kommuner[1].kommunenummer: '0302' is not a kommunenummer (see monitor/data/kommuner.csv)`.
The layers: configparse.py (YAML nodes with line numbers, typed reads), configsettings.py
(`settings:`, `sources:`), configkommuner.py (`kommuner:`, `admin:`). Only `Rules` and the
configtypes dataclasses leave this module.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from yaml.nodes import MappingNode, Node

from monitor.config.components import parse_components
from monitor.config.kommuner import parse_admin, parse_admin_malform, parse_kommuner
from monitor.config.parse import Checker, compose_file, duplicate_keys, is_null, join, scalars
from monitor.config.probes import parse_probes
from monitor.config.settings import DEFAULT_SOURCES, parse_settings, parse_sources
from monitor.config.types import ProbeSettings, Rules
from monitor.errors import ConfigError

__all__ = [
    "DEFAULT_SOURCES",
    "RULES_ENV",
    "SYSTEM_RULES_PATH",
    "check_rules",
    "default_rules_path",
    "load_rules",
    "summarize",
]

logger = logging.getLogger(__name__)

#: Where `driftsvarsel` looks for the rules when no FILE is given, in this order:
#: $DRIFTSVARSEL_RULES, ./rules.yaml (a checkout or the demo), /etc/driftsvarsel/rules.yaml (packaged).
RULES_ENV = "DRIFTSVARSEL_RULES"
LOCAL_RULES_PATH = Path("rules.yaml")
SYSTEM_RULES_PATH = Path("/etc/driftsvarsel/rules.yaml")

#: All 357 kommuner with a few channels each come to a few hundred kB; more is the wrong file.
MAX_RULES_BYTES = 2_000_000

TOP_LEVEL_KEYS = ("settings", "sources", "kommuner", "admin", "probes", "vocabulary", "components")

#: Values that are secrets wherever they appear (checked outside the webhook/token/password keys too).
SECRET_LOOKING = re.compile(
    r"hooks\.slack\.com/|\bxox[a-z]-|webhook\.office\.com/|(logic\.azure\.com|powerplatform\.com)\S*[?&]sig=",
    re.IGNORECASE,
)


def default_rules_path(environ: Mapping[str, str] | None = None) -> Path:
    """$DRIFTSVARSEL_RULES, else ./rules.yaml when it exists, else /etc/driftsvarsel/rules.yaml."""
    environ = os.environ if environ is None else environ
    if environ.get(RULES_ENV):
        return Path(environ[RULES_ENV])
    return LOCAL_RULES_PATH if LOCAL_RULES_PATH.is_file() else SYSTEM_RULES_PATH


def load_rules(path: Path, *, environ: Mapping[str, str] | None = None) -> Rules:
    """The validated rules in `path`. `environ` (default os.environ) supplies $STATE_DIRECTORY.

    Raises ConfigError listing every problem, each as "file:line: path: problem (how to fix)".
    Secret references are checked for form only; they are resolved at delivery time.
    """
    environ = os.environ if environ is None else environ
    checker = Checker(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_RULES_BYTES:
            limit = f"at most {MAX_RULES_BYTES}; is it the right file?"
            raise ConfigError([f"{path}: {size} bytes is far too large for a rules file ({limit})"])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"{path}: no such file (copy the documented rules.yaml from the repository)"]
        ) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a directory (give the path of the rules file)"]) from None
    except PermissionError:
        raise ConfigError([f"{path}: permission denied (make it readable by the service user)"]) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            [f"{path}: not UTF-8 text ({error.reason} at byte {error.start}; save it as UTF-8)"]
        ) from None
    except OSError as error:
        raise ConfigError(
            [f"{path}: cannot read it: {error.strerror} (give the path of the rules file)"]
        ) from None
    root = compose_file(checker, text)
    if root is None:
        raise ConfigError(checker.problems)
    duplicate_keys(checker, root)
    rules = _build(checker, root, path, environ)
    if checker.problems or rules is None:
        raise ConfigError(checker.problems)
    return rules


def check_rules(path: Path, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every problem in `path` (empty when the rules are valid)."""
    try:
        load_rules(path, environ=environ)
    except ConfigError as error:
        return error.problems
    return []


def summarize(rules: Rules) -> str:
    """A one-line count, e.g. "3 kommuner, 5 channels, 1 admin channel, 4 sources"."""
    channels = sum(len(kommune.channels) for kommune in rules.kommuner)
    parts = [
        f"{len(rules.kommuner)} kommune" + ("r" if len(rules.kommuner) != 1 else ""),
        f"{channels} channel" + ("s" if channels != 1 else ""),
        f"{len(rules.admin)} admin channel" + ("s" if len(rules.admin) != 1 else ""),
        f"{len(rules.sources)} source" + ("s" if len(rules.sources) != 1 else ""),
    ]
    return ", ".join(parts)


def _build(checker: Checker, root: Node, path: Path, environ: Mapping[str, str]) -> Rules | None:
    entries = checker.mapping(root, "", TOP_LEVEL_KEYS) or {}
    section = {key: value for key, (_, value) in entries.items()}
    base = path.parent.absolute()
    settings = parse_settings(checker, section.get("settings"), base, environ)
    sources = parse_sources(checker, section["sources"]) if "sources" in section else DEFAULT_SOURCES
    kommuner = parse_kommuner(checker, section["kommuner"]) if _given(section, "kommuner") else ()
    admin = parse_admin(checker, section["admin"]) if _given(section, "admin") else ()
    probes = parse_probes(checker, section["probes"], base) if _given(section, "probes") else ProbeSettings()
    vocabulary = _vocabulary(checker, section["vocabulary"]) if _given(section, "vocabulary") else {}
    components = parse_components(checker, section["components"]) if _given(section, "components") else {}
    if not _given(section, "kommuner") and not _given(section, "admin"):
        checker.problem(
            root,
            "(file)",
            "no kommuner and no admin channels: nobody would get alerts",
            "add a kommuner: section",
        )
    channels = [channel for kommune in kommuner for channel in kommune.channels] + list(admin)
    if any(channel.kind == "email" for channel in channels) and "smtp" not in _settings_keys(section):
        where = section.get("settings", root)
        checker.problem(
            where,
            "settings.smtp",
            "email channels need an SMTP server",
            "add settings.smtp with host and sender",
        )
    _scan_for_secrets(checker, root)
    admin_malform = parse_admin_malform(checker, section["admin"]) if _given(section, "admin") else "nb"
    return Rules(
        path=path.absolute(),
        settings=settings,
        sources=sources,
        kommuner=kommuner,
        admin=admin,
        vocabulary=vocabulary,
        probes=probes,
        components=components,
        admin_malform=admin_malform or "nb",
    )


def _given(section: dict[str, Node], key: str) -> bool:
    return key in section and not is_null(section[key])


def _settings_keys(section: dict[str, Node]) -> set[str]:
    node = section.get("settings")
    if not isinstance(node, MappingNode):
        return set()
    return {str(key.value) for key, _ in node.value}


def _vocabulary(checker: Checker, node: Node) -> dict[str, tuple[str, ...]]:
    """`vocabulary:` group → extra terms, checked against monitor.classify when it is installed."""
    entries = checker.mapping(node, "vocabulary", None)
    if entries is None:
        return {}
    vocabulary: dict[str, tuple[str, ...]] = {}
    items: dict[str, list[Node]] = {}
    kept: dict[str, list[int]] = {}  # group → the index in the file of each term passed on
    for group, (_, value) in entries.items():
        path = join("vocabulary", group)
        items[group] = checker.sequence(value, path, allow_scalar=True) or []
        terms = [checker.text(item, f"{path}[{index}]") for index, item in enumerate(items[group])]
        kept[group] = [index for index, term in enumerate(terms) if term is not None]
        vocabulary[group] = tuple(term for term in terms if term is not None)
    try:
        from monitor.classify import validate_vocabulary
    except ImportError:  # the classifier is optional for checking the rest of the file
        logger.debug("monitor.classify not available; vocabulary groups not checked")
        return vocabulary
    for message in validate_vocabulary(vocabulary):
        match = _VOCABULARY_PROBLEM.match(message)
        if match is None:
            checker.problem(node, "vocabulary", message)
            continue
        path, group, index, text = match.groups()
        where: Node = node
        if group in entries:
            where = entries[group][0]
            if index is not None and int(index) < len(kept[group]):
                # The classifier counts only the text terms; the file counts every item.
                position = kept[group][int(index)]
                where = items[group][position]
                path = f"{path[: path.rindex('[')]}[{position}]"
        checker.problem(where, path, text)
    return vocabulary


_VOCABULARY_PROBLEM = re.compile(r"(vocabulary(?:\.([^\[:]+))?(?:\[(\d+)\])?): (.*)", re.DOTALL)


def _scan_for_secrets(checker: Checker, root: Node) -> None:
    """A webhook URL or token pasted into any other field is still a leak: report it (not its value)."""
    for node, path in scalars(root):
        if id(node) not in checker.secret_nodes and SECRET_LOOKING.search(str(node.value)):
            checker.problem(
                node,
                path,
                "this looks like a secret (webhook URL or token)",
                "secrets go in an environment variable or systemd credential, referenced as "
                "env:NAME or cred:NAME from a channel's webhook/token",
            )
