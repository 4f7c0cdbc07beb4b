"""Status-page components → kommune APIs: a notice's affected components route without reading prose.

Statuspage incidents and maintenances list the components they affect ("Berørte tjenester:
Inntekt API (produksjon)"). Each known component name maps to the kommune API ids it is
(`("*",)` for all delingstjenester or a shared dependency, `()` for another Skatteetaten API).
Names are matched without case, without an environment in brackets ("(produksjon)", "(test)"),
and without a trailing " i test"/" i produksjon". An unknown component gives None, and the
classifier falls back to the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

ALL_APIS = "*"  # monitor.model.ALL_APIS (the catalogue sits below model, so it names it itself)
COMPONENT_APIS: dict[str, tuple[str, ...]] = {
    "Inntekt API": ("inntekt",),
    "Summert skattegrunnlag API": ("summertskattegrunnlag",),
    "Beregnet skatt API": ("beregnetskatt",),
    "Formuesgrunnlag for eiendomsskatt API": ("formuesgrunnlageiendomsskatt",),
    "Spesifisert summert skattegrunnlag API": ("spesifisertsummertskattegrunnlag",),
    "Alle delingstjenester": (ALL_APIS,),
    "Alle delingstenester": (ALL_APIS,),
    "API-gateway": (ALL_APIS,),
    "Maskinporten": (ALL_APIS,),
    "Skatteoppgjørstjenestene": (
        "beregnetskatt",
        "spesifisertsummertskattegrunnlag",
        "summertskattegrunnlag",
    ),
    "Skatteoppgjerstenestene": ("beregnetskatt", "spesifisertsummertskattegrunnlag", "summertskattegrunnlag"),
    # Other Skatteetaten APIs and services: no kommune API.
    "Skatteoppgjør hendelser": (),
    "Inntekt hendelser": (),
    "Siste tilgjengelige skatteoppgjør API": (),
    "Restanser API": (),
    "Skattekort til arbeidsgiver API": (),
    "A-melding API": (),
    "Aktiv konto API": (),
    "Tjenestepensjonsavtale API": (),
    "Folkeregisteret": (),
    "Statussiden": (),
}
_ENVIRONMENT = re.compile(r"\s*\([^)]*\)\s*$|\s+i\s+(?:test|produksjon)\b.*$", re.IGNORECASE)
_BY_NAME = {name.casefold(): apis for name, apis in COMPONENT_APIS.items()}


def _bare(name: str) -> str:
    return _ENVIRONMENT.sub("", name.strip()).casefold()


def component_apis(name: str) -> tuple[str, ...] | None:
    """The API ids of a status-page component, or None for an unknown one."""
    return _BY_NAME.get(_bare(name))


def component_lookup(extra: Mapping[str, tuple[str, ...]]) -> Callable[[str], tuple[str, ...] | None]:
    """`component_apis` extended by rules.yaml's `components:` (which wins for a name in both)."""
    if not extra:
        return component_apis
    added = {_bare(name): apis for name, apis in extra.items()}
    return lambda name: added.get(_bare(name), _BY_NAME.get(_bare(name)))
