"""Status-page components (or groups) → the kommune APIs they stand for: structure before text.

Statuspage and Better Stack incidents list what they affect ("Berørte tjenester: Inntekt API
(produksjon)"). This table lets such a name route without reading the prose: a component maps to
API ids, to `("*",)` for every kommune API (the delingstjenester as a whole, the API gateway,
Maskinporten), or to `()` for another Skatteetaten API or service no kommune API depends on.
Names are matched without case, with runs of spaces folded, and without an environment in
brackets ("(produksjon)", "(test)") or a trailing " i test"/" i produksjon". `rules.yaml` may add
names (`components:`, monitor.config.components), which win over the table. An unknown name gives
None, and the classifier falls back to the text. Pure data and lookups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from monitor.catalogue.apis import API_NAMES

ALL = ("*",)  # monitor.model.ALL_APIS (the catalogue sits below model, so it names it itself)
SKATTEOPPGJOR = ("beregnetskatt", "spesifisertsummertskattegrunnlag", "summertskattegrunnlag")
ComponentLookup = Callable[[str], tuple[str, ...] | None]

#: Built-in names: each API's display name and short forms, the groups Skatteetaten uses, shared
#: dependencies, and other APIs (GUIDE.md "apis").
COMPONENT_APIS: dict[str, tuple[str, ...]] = {
    **{name.split(" (")[0]: (api,) for api, name in API_NAMES.items()},
    "Inntekt": ("inntekt",),
    "Inntektsmottaker": ("inntekt",),
    "Summert skattegrunnlag": ("summertskattegrunnlag",),
    "Summert skattegrunnlag v2": ("summertskattegrunnlag",),
    "Beregnet skatt": ("beregnetskatt",),
    "Formuesgrunnlag for eiendomsskatt": ("formuesgrunnlageiendomsskatt",),
    "Formuesgrunnlag for eigedomsskatt API": ("formuesgrunnlageiendomsskatt",),
    "Formuesgrunnlag for eigedomsskatt": ("formuesgrunnlageiendomsskatt",),
    "Delingstjenester": ALL,
    "Delingstjenestene": ALL,
    "Alle delingstjenester": ALL,
    "Alle delingstenester": ALL,
    "API-gateway": ALL,
    "Maskinporten": ALL,
    "Skatteoppgjørstjenestene": SKATTEOPPGJOR,
    "Skatteoppgjerstenestene": SKATTEOPPGJOR,
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


def _fold(name: str) -> str:
    return " ".join(_ENVIRONMENT.sub("", name.strip()).casefold().split())


_BY_NAME = {_fold(name): apis for name, apis in COMPONENT_APIS.items()}


def component_apis(name: str, extra: Mapping[str, tuple[str, ...]] | None = None) -> tuple[str, ...] | None:
    """The APIs a component name stands for; None when neither `extra` nor the table knows it."""
    key = _fold(name)
    for known, apis in (extra or {}).items():
        if _fold(known) == key:
            return apis
    return _BY_NAME.get(key)


def component_lookup(extra: Mapping[str, tuple[str, ...]] | None = None) -> ComponentLookup:
    """`component_apis` with rules.yaml's `components:` bound, as the classifier takes it."""
    if not extra:
        return component_apis
    added = {_fold(name): apis for name, apis in extra.items()}
    return lambda name: added.get(_fold(name), _BY_NAME.get(_fold(name)))


def unmapped(
    names: list[str] | tuple[str, ...], extra: Mapping[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The names of `names` that map to nothing, in order, once each."""
    return [name for name in dict.fromkeys(names) if component_apis(name, extra) is None]
