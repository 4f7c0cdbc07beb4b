"""Status-page components (or groups) → the kommune APIs they stand for.

A status page names what an incident affects as components ("Inntekt API", "Delingstjenester").
This table lets such a name route without reading the prose: a component maps to API ids, or to
`("*",)` for every kommune API (the delingstjenester as a whole, the API gateway), or to `()` for
something no kommune API depends on. `rules.yaml` may add names (`components:`); names are matched
case- and space-insensitively. Pure data and lookups.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor.catalogue.apis import API_NAMES

ALL = ("*",)

#: Built-in names: each API's display name and short forms, and the groups Skatteetaten uses.
COMPONENT_APIS: dict[str, tuple[str, ...]] = {
    **{name.split(" (")[0]: (api,) for api, name in API_NAMES.items()},
    "Inntekt": ("inntekt",),
    "Inntektsmottaker": ("inntekt",),
    "Summert skattegrunnlag": ("summertskattegrunnlag",),
    "Summert skattegrunnlag v2": ("summertskattegrunnlag",),
    "Beregnet skatt": ("beregnetskatt",),
    "Formuesgrunnlag for eiendomsskatt": ("formuesgrunnlageiendomsskatt",),
    "Delingstjenester": ALL,
    "Delingstjenestene": ALL,
    "API-gateway": ALL,
    "Skatteoppgjørstjenestene": ("beregnetskatt", "summertskattegrunnlag"),
}


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def component_apis(name: str, extra: Mapping[str, tuple[str, ...]] | None = None) -> tuple[str, ...] | None:
    """The APIs a component name stands for; None when neither `extra` nor the table knows it."""
    for table in (extra or {}, COMPONENT_APIS):
        for known, apis in table.items():
            if _fold(known) == _fold(name):
                return apis
    return None


def unmapped(
    names: list[str] | tuple[str, ...], extra: Mapping[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The names of `names` that map to nothing, in order, once each."""
    return [name for name in dict.fromkeys(names) if component_apis(name, extra) is None]
