"""The `components:` section of rules.yaml: status-page component names → kommune APIs.

    components:
      "Skatteoppslag for kommuner": [inntekt, summertskattegrunnlag]
      "Alle delingstjenester": ["*"]       # every kommune API
      "Folkeregister": []                  # no kommune API (routes to the admin only)

Names add to the built-in table (monitor/catalogue/components.py). For routing, each name also
becomes a classifier term: of the groups `api_<id>`, `all_api_terms` ("*") or `other_api_terms`
([]), so a status incident that lists the component ("Berørte tjenester: ...") routes to the
kommuner using those APIs without the prose having to name the API.
"""

from __future__ import annotations

import re

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


def component_terms(components: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Vocabulary group → the component names as exact-phrase terms (see the module docstring)."""
    terms: dict[str, list[str]] = {}
    for name, apis in components.items():
        term = r"re:(?<!\w)" + re.escape(" ".join(name.split())) + r"(?!\w)"
        groups = (
            ["all_api_terms"]
            if apis == (ALL_APIS,)
            else [f"api_{api}" for api in apis] or ["other_api_terms"]
        )
        for group in groups:
            terms.setdefault(group, []).append(term)
    return {group: tuple(values) for group, values in terms.items()}
