"""`components:` in rules.yaml: status-page component names → kommune API ids, beyond the catalogue's.

    components:
      "Inntekt API v2": [inntekt]
      "Felles innlogging": ["*"]          # every kommune API
      "Motorvognavgift API": []           # another API: no kommune

Every problem is reported with its line: an API id that is not a kommune API (with a suggestion),
a name the catalogue already maps differently is allowed (the file wins, on purpose).
"""

from __future__ import annotations

from yaml.nodes import Node

from monitor.config.parse import Checker, did_you_mean, join
from monitor.model import ALL_APIS, KOMMUNE_APIS


def parse_components(checker: Checker, node: Node) -> dict[str, tuple[str, ...]]:
    """component name → sorted API ids (or ("*",)); problems go to `checker`."""
    entries = checker.mapping(node, "components", None)
    components: dict[str, tuple[str, ...]] = {}
    for name, (_, value) in (entries or {}).items():
        path = join("components", name)
        items = checker.sequence(value, path, allow_scalar=True)
        if items is None:
            continue
        apis: set[str] = set()
        for index, item in enumerate(items):
            api = checker.text(item, f"{path}[{index}]")
            if api is None:
                continue
            if api != ALL_APIS and api not in KOMMUNE_APIS:
                hint = did_you_mean(api, KOMMUNE_APIS) or f"use one of {', '.join(KOMMUNE_APIS)}, or '*'"
                checker.problem(item, f"{path}[{index}]", f"unknown API '{api}'", hint)
                continue
            apis.add(api)
        components[name] = (ALL_APIS,) if ALL_APIS in apis else tuple(sorted(apis))
    return components
