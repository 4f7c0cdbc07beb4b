"""Which health probes to run: the APIs some kommune uses, per configured environment, plus Maskinporten.

Pure: `plan_probes(rules)` turns `Rules` into `ProbeTarget`s. Hosts come from external-apis.md A.1,
scopes from A.5, synthetic test data from A.2. The retired Spesifisert summert skattegrunnlag API
has no host any more and is never probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor.config.types import Rules
from monitor.model import ALL_APIS

ProbeEnvironment = Literal["prod", "test"]
MASKINPORTEN = "maskinporten"

#: Gateway base URLs (external-apis.md A.1).
BASE_URLS: dict[str, dict[ProbeEnvironment, str]] = {
    "summertskattegrunnlag": {
        "prod": "https://summertskattegrunnlag.api.skatteetaten.no/v2",
        "test": "https://summertskattegrunnlag.api.skatteetaten-test.no/v2",
    },
    "beregnetskatt": {
        "prod": "https://beregnetskatt.api.skatteetaten.no/v2",
        "test": "https://beregnetskatt.api.skatteetaten-test.no/v2",
    },
    "inntekt": {
        "prod": "https://inntekt.api.skatteetaten.no/v1",
        "test": "https://inntekt.api.skatteetaten-test.no/v1",
    },
    "formuesgrunnlageiendomsskatt": {
        "prod": "https://formuesgrunnlageiendomsskatt.api.skatteetaten.no/v1",
        "test": "https://formuesgrunnlageiendomsskatt.api.skatteetaten-test.no/v1",
    },
    MASKINPORTEN: {"prod": "https://maskinporten.no", "test": "https://test.maskinporten.no"},
}

#: APIs that no longer have a host: never probed.
RETIRED_APIS = frozenset({"spesifisertsummertskattegrunnlag"})

#: Maskinporten scope per API (external-apis.md A.5).
SCOPES: dict[str, str] = {
    "summertskattegrunnlag": "skatteetaten:summertskattegrunnlag",
    "beregnetskatt": "skatteetaten:beregnetskatt",
    "inntekt": "skatteetaten:inntekt",
    "formuesgrunnlageiendomsskatt": "skatteetaten:formuesgrunnlageiendomsskatt",
}

#: Error-code prefix each API uses in its JSON error bodies (external-apis.md A.4).
ERROR_PREFIXES: dict[str, str] = {
    "summertskattegrunnlag": "SSG-",
    "beregnetskatt": "BSA-",
    "inntekt": "IM-",
    "formuesgrunnlageiendomsskatt": "FGS-",
}

#: Documented synthetic test data, safe in the TEST environment only (external-apis.md A.2).
TEST_PATHS: dict[str, str] = {
    "formuesgrunnlageiendomsskatt": "kommuneEiendomsskatt/2020/4203/921782775543322",
}

#: Names kommuner know, for alert texts.
DISPLAY_NAMES: dict[str, str] = {
    "summertskattegrunnlag": "Summert skattegrunnlag API",
    "beregnetskatt": "Beregnet skatt API",
    "inntekt": "Inntekt API",
    "formuesgrunnlageiendomsskatt": "Formuesgrunnlag for eiendomsskatt API",
    "spesifisertsummertskattegrunnlag": "Spesifisert summert skattegrunnlag API",
    MASKINPORTEN: "Maskinporten",
    "maskinporten-klient": "Maskinporten-klienten",
}


@dataclass(frozen=True)
class ProbeTarget:
    """One host to probe. `routes_to` are the apis an alert about it concerns (`("*",)` for
    Maskinporten). `auth_path` is set only for an authenticated test-environment probe.
    """

    api: str
    environment: ProbeEnvironment
    url: str
    routes_to: tuple[str, ...]
    scope: str | None = None
    auth_path: str | None = None

    @property
    def label(self) -> str:
        """The display label, e.g. "Inntekt API (prod)"."""
        return f"{display_name(self.api)} ({self.environment})"


def display_name(api: str) -> str:
    return DISPLAY_NAMES.get(api, api)


def apis_in_use(rules: Rules) -> list[str]:
    """The probe-able APIs at least one kommune uses, sorted ("*" means all of them)."""
    used: set[str] = set()
    for kommune in rules.kommuner:
        used.update(ERROR_PREFIXES if ALL_APIS in kommune.apis else kommune.apis)
    return sorted(api for api in used if api in ERROR_PREFIXES and api not in RETIRED_APIS)


def plan_probes(rules: Rules) -> list[ProbeTarget]:
    """Every target for one round: each used API in each configured environment, and Maskinporten.

    Nothing is planned when probes are disabled or no kommune uses a probe-able API. An
    authenticated probe is planned only for the test environment, when Maskinporten credentials
    are enabled and the API has synthetic test data (built in, or `probes.test_paths`).
    """
    settings = rules.probes
    apis = apis_in_use(rules)
    if not settings.enabled or not apis:
        return []
    auth_paths = {**TEST_PATHS, **settings.test_paths}
    targets: list[ProbeTarget] = []
    for environment in settings.environments:
        for api in apis:
            authenticated = environment == "test" and settings.maskinporten.enabled and api in auth_paths
            targets.append(
                ProbeTarget(
                    api=api,
                    environment=environment,
                    url=base_url(rules, api, environment),
                    routes_to=(api,),
                    scope=SCOPES.get(api),
                    auth_path=auth_paths[api] if authenticated else None,
                )
            )
        metadata = base_url(rules, MASKINPORTEN, environment).rstrip("/")
        targets.append(
            ProbeTarget(
                api=MASKINPORTEN,
                environment=environment,
                url=metadata + "/.well-known/oauth-authorization-server",
                routes_to=(ALL_APIS,),
            )
        )
    return targets


def base_url(rules: Rules, api: str, environment: ProbeEnvironment) -> str:
    """The configured override for (api, environment), else the documented host."""
    override = rules.probes.base_urls.get((api, environment))
    return (override or BASE_URLS[api][environment]).rstrip("/")
