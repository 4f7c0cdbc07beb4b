"""The `components:` section of rules.yaml: status-page component names → kommune APIs.

    components:
      "Skatteoppslag for kommuner": [inntekt, summertskattegrunnlag]
      "Alle delingstjenester": ["*"]       # every kommune API
      "Folkeregister": []                  # no kommune API (routes to the admin only)

Names add to the built-in table (monitor/catalogue/components.py) and win over it. A status
notice whose "Berørte tjenester:" line lists only known components takes its APIs from them, so it
routes to the kommuner using those APIs without the prose having to name the API.
"""

from __future__ import annotations

from yaml.nodes import Node

from monitor.config.parse import Checker, join
from monitor.model import ALL_APIS, KOMMUNE_APIS

CHOICES = (*KOMMUNE_APIS, ALL_APIS)


def parse_components(checker: Checker, node: Node) -> dict[str, tuple[str, ...]]:
    """Component name → API ids (or ("*",), or ()); every problem recorded with its line."""
    entries = checker.mapping(node, "components", None)
    if entries is None:
        return {}
    components: dict[str, tuple[str, ...]] = {}
    for name, (_, value) in entries.items():
        path = join("components", name)
        items = checker.sequence(value, path, allow_scalar=True)
        if items is None:
            continue
        apis = [
            checker.choice(item, f"{path}[{index}]", CHOICES, fold=True) for index, item in enumerate(items)
        ]
        if any(api is None for api in apis):
            continue
        chosen = tuple(sorted({api for api in apis if api is not None}))
        if ALL_APIS in chosen and len(chosen) > 1:
            checker.problem(value, path, '"*" already means every API', 'write ["*"] alone')
            continue
        components[name] = chosen
    return components
