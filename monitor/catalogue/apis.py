"""Which kommune APIs a rettighetspakke gives access to, through its Maskinporten scopes.

Data, not I/O: rettighetspakke → scopes → APIs, from Skatteetaten's guide for kommuner
(shared/reference/external-apis.md, A.5 and A.6). Names are matched case-insensitively because
Skatteetaten's own pages spell them both camelCase and lower-case; the canonical spelling below is
what alerts and `rules explain` show.

Spesifisert summert skattegrunnlag was retired in October 2024 and merged into Summert
skattegrunnlag v2, which still accepts its scope: a holder of `skatteetaten:spesifisertsummertskattegrunnlag`
therefore uses both APIs.
"""

from __future__ import annotations

import difflib

#: API id → display name (Norwegian, as alerts show it).
API_NAMES: dict[str, str] = {
    "beregnetskatt": "Beregnet skatt API",
    "formuesgrunnlageiendomsskatt": "Formuesgrunnlag for eiendomsskatt API",
    "inntekt": "Inntekt API",
    "spesifisertsummertskattegrunnlag": (
        "Spesifisert summert skattegrunnlag API (sanert, erstattet av Summert skattegrunnlag v2)"
    ),
    "summertskattegrunnlag": "Summert skattegrunnlag API",
}

#: Maskinporten scope → the APIs it opens.
SCOPE_APIS: dict[str, tuple[str, ...]] = {
    "skatteetaten:beregnetskatt": ("beregnetskatt",),
    "skatteetaten:formuesgrunnlageiendomsskatt": ("formuesgrunnlageiendomsskatt",),
    "skatteetaten:inntekt": ("inntekt",),
    "skatteetaten:spesifisertsummertskattegrunnlag": (
        "spesifisertsummertskattegrunnlag",
        "summertskattegrunnlag",
    ),
    "skatteetaten:summertskattegrunnlag": ("summertskattegrunnlag",),
}

#: Rettighetspakke (canonical spelling) → its Maskinporten scopes, for the kommune use cases.
RETTIGHETSPAKKE_SCOPES: dict[str, tuple[str, ...]] = {
    # Redusert foreldrebetaling barnehage og SFO
    "kommuneForeldrebetaling": ("skatteetaten:summertskattegrunnlag",),
    # Boligsosialt arbeid
    "kommuneBoligsosialeFormaal": ("skatteetaten:inntekt", "skatteetaten:summertskattegrunnlag"),
    # Egenandel praktisk bistand og opplæring
    "kommunePersonligassistanse": ("skatteetaten:summertskattegrunnlag",),
    # Egenandel praktisk bistand (Beregnet skatt)
    "kommunePraktiskBistand": ("skatteetaten:beregnetskatt",),
    # Egenandel langtidsopphold institusjon
    "kommuneLangtidsoppholdInstitusjon": ("skatteetaten:summertskattegrunnlag", "skatteetaten:beregnetskatt"),
    # Særnamsmyndigheten
    "saernamsmann": ("skatteetaten:inntekt", "skatteetaten:spesifisertsummertskattegrunnlag"),
    # Formuesgrunnlag for eiendomsskatt (the guide spells it KommuneEiendomsskatt)
    "kommuneEiendomsskatt": ("skatteetaten:formuesgrunnlageiendomsskatt",),
}

_CANONICAL: dict[str, str] = {name.casefold(): name for name in RETTIGHETSPAKKE_SCOPES}


class UnknownRettighetspakke(KeyError):
    """A rettighetspakke name that is not in the catalogue (config.py reports these first)."""


def canonical_rettighetspakke(name: str) -> str | None:
    """The catalogue's spelling of `name` (any case), or None when it is not a known rettighetspakke."""
    return _CANONICAL.get(name.strip().casefold())


def suggest_rettighetspakke(name: str) -> str | None:
    """The closest known rettighetspakke to a misspelt `name`, or None."""
    matches = difflib.get_close_matches(name.casefold(), list(_CANONICAL), n=1, cutoff=0.6)
    return _CANONICAL[matches[0]] if matches else None


def scopes_for(rettighetspakke: str) -> tuple[str, ...]:
    """The Maskinporten scopes of a rettighetspakke (any case); raises UnknownRettighetspakke."""
    canonical = canonical_rettighetspakke(rettighetspakke)
    if canonical is None:
        raise UnknownRettighetspakke(rettighetspakke)
    return RETTIGHETSPAKKE_SCOPES[canonical]


def apis_for(rettighetspakker: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    """API id → the rettighetspakker (canonical spelling, in the given order) that open it.

    The keys come out sorted. Raises UnknownRettighetspakke for a name not in the catalogue.
    """
    reasons: dict[str, list[str]] = {}
    for name in rettighetspakker:
        canonical = canonical_rettighetspakke(name)
        if canonical is None:
            raise UnknownRettighetspakke(name)
        for scope in RETTIGHETSPAKKE_SCOPES[canonical]:
            for api in SCOPE_APIS[scope]:
                holders = reasons.setdefault(api, [])
                if canonical not in holders:
                    holders.append(canonical)
    return {api: reasons[api] for api in sorted(reasons)}


def api_display_name(api: str) -> str:
    """The Norwegian display name of an API id; the id itself when it is not in the catalogue."""
    return API_NAMES.get(api, api)
