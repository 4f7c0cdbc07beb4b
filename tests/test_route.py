"""monitor.route.recipients: which kommuner and channels get a classified change, and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from monitor.config.load import load_rules
from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings
from monitor.model import Alert, Category, Change, Classification, Environment, Notice
from monitor.route.recipients import blocked_by, passes, route

REPO = Path(__file__).resolve().parent.parent


def _change(version: int = 1) -> Change:
    notice = Notice(
        source="nyheter-atom",
        notice_id="https://example.test/post",
        title="Feil i Inntekt API",
        text="Vi undersøker.",
        link="https://example.test/post",
        published=datetime(2024, 3, 1, tzinfo=UTC),
    )
    return Change(kind="new", notice=notice, version=version)


def _classification(
    apis: tuple[str, ...], category: Category = "error", environment: Environment = "unspecified"
) -> Classification:
    return Classification(category=category, planned=None, apis=apis, environment=environment, window=None)


def _email(name: str, **filters: object) -> ChannelConfig:
    return ChannelConfig(name=name, kind="email", to=(f"{name}@example.no",), **filters)  # type: ignore[arg-type]


def _rules(*kommuner: KommuneConfig, admin: tuple[ChannelConfig, ...] = ()) -> Rules:
    return Rules(path=Path("rules.yaml"), settings=Settings(), sources=(), kommuner=kommuner, admin=admin)


OSLO = KommuneConfig(
    number="0301",
    name="Oslo",
    rettighetspakker=("kommuneForeldrebetaling", "kommuneBoligsosialeFormaal"),
    apis=("inntekt", "summertskattegrunnlag"),
    channels=(_email("slack"), _email("epost")),
)
BERGEN = KommuneConfig(
    number="4601",
    name="Bergen",
    rettighetspakker=("saernamsmann",),
    apis=("inntekt", "spesifisertsummertskattegrunnlag", "summertskattegrunnlag"),
    channels=(_email("teams"),),
)
TROMSO = KommuneConfig(
    number="5501",
    name="Tromsø",
    rettighetspakker=("kommuneEiendomsskatt",),
    apis=("formuesgrunnlageiendomsskatt",),
    channels=(_email("epost", environments=frozenset({"prod"})),),
)
ADMIN = (_email("drift"),)


def _targets(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(alert.kommune_number, alert.channel) for alert in alerts]


def test_route_specific_api_reaches_only_kommuner_with_it() -> None:
    alerts = route(_change(), _classification(("inntekt",)), _rules(OSLO, BERGEN, TROMSO, admin=ADMIN))
    assert _targets(alerts) == [("0301", "slack"), ("0301", "epost"), ("4601", "teams")]
    assert alerts[0].why == ("Inntekt API (rettighetspakke kommuneBoligsosialeFormaal)",)
    assert alerts[2].why == ("Inntekt API (rettighetspakke saernamsmann)",)


def test_route_all_apis_reaches_every_kommune() -> None:
    alerts = route(_change(), _classification(("*",)), _rules(OSLO, BERGEN, TROMSO, admin=ADMIN))
    assert {alert.kommune_number for alert in alerts} == {"0301", "4601", "5501"}
    assert all(alert.why == ("Alle delingstjenester",) for alert in alerts)


def test_route_no_kommune_api_goes_to_admin_only() -> None:
    alerts = route(_change(), _classification(()), _rules(OSLO, BERGEN, TROMSO, admin=ADMIN))
    assert _targets(alerts) == [("admin", "drift")]
    assert alerts[0].kommune_name == "Administrator"
    assert alerts[0].key == "nyheter-atom:https://example.test/post#v1|admin|drift"


def test_route_spesifisert_notice_reaches_saernamsmann_holder() -> None:
    alerts = route(
        _change(), _classification(("spesifisertsummertskattegrunnlag",)), _rules(OSLO, BERGEN, admin=ADMIN)
    )
    assert _targets(alerts) == [("4601", "teams")]
    assert "saernamsmann" in alerts[0].why[0]
    assert alerts[0].why[0].startswith("Spesifisert summert skattegrunnlag API")


def test_route_environment_filter_drops_only_the_other_environment() -> None:
    rules = _rules(TROMSO, admin=ADMIN)
    api = ("formuesgrunnlageiendomsskatt",)
    for environment in ("prod", "both", "unspecified"):
        alerts = route(_change(), _classification(api, environment=environment), rules)
        assert _targets(alerts) == [("5501", "epost")], environment
    test_only = route(_change(), _classification(api, environment="test"), rules)
    # Filtered away from every kommune channel: the admin route gets it instead.
    assert _targets(test_only) == [("admin", "drift")]


def test_route_channel_category_filter() -> None:
    oslo = KommuneConfig(
        number="0301",
        name="Oslo",
        rettighetspakker=("kommuneForeldrebetaling",),
        apis=("summertskattegrunnlag",),
        channels=(_email("alt"), _email("kritisk", categories=frozenset({"downtime", "error"}))),
    )
    info = route(_change(), _classification(("summertskattegrunnlag",), category="info"), _rules(oslo))
    assert _targets(info) == [("0301", "alt")]
    error = route(_change(), _classification(("summertskattegrunnlag",), category="error"), _rules(oslo))
    assert _targets(error) == [("0301", "alt"), ("0301", "kritisk")]


def test_route_kommune_filter_applies_before_channels() -> None:
    quiet = KommuneConfig(
        number="0301",
        name="Oslo",
        rettighetspakker=(),
        apis=("inntekt",),
        channels=(_email("epost"),),
        categories=frozenset({"downtime"}),
    )
    assert route(_change(), _classification(("inntekt",), category="info"), _rules(quiet)) == []
    alerts = route(_change(), _classification(("inntekt",), category="downtime"), _rules(quiet))
    assert alerts[0].why == ("Inntekt API (oppført under apis i regelfila)",)


def test_route_admin_channel_with_categories_gets_those_even_when_kommuner_did() -> None:
    admin = (_email("drift"), _email("vakt", categories=frozenset({"downtime"})))
    rules = _rules(OSLO, admin=admin)
    downtime = route(_change(), _classification(("inntekt",), category="downtime"), rules)
    assert ("admin", "vakt") in _targets(downtime)
    assert ("admin", "drift") not in _targets(downtime)
    info_elsewhere = route(_change(), _classification((), category="info"), rules)
    assert _targets(info_elsewhere) == [("admin", "drift")]


def test_route_kommune_with_all_apis_gets_every_kommune_api_notice() -> None:
    everything = KommuneConfig(
        number="1103", name="Stavanger", rettighetspakker=(), apis=("*",), channels=(_email("epost"),)
    )
    assert _targets(route(_change(), _classification(("beregnetskatt",)), _rules(everything))) == [
        ("1103", "epost")
    ]
    assert route(_change(), _classification(()), _rules(everything)) == []


def test_route_keys_are_unique_and_carry_version() -> None:
    alerts = route(_change(version=3), _classification(("*",)), _rules(OSLO, BERGEN, TROMSO, admin=ADMIN))
    keys = [alert.key for alert in alerts]
    assert len(keys) == len(set(keys)) == 4
    assert "nyheter-atom:https://example.test/post#v3|0301|slack" in keys


def test_passes_without_filters_lets_everything_through() -> None:
    for environment in ("prod", "test", "both", "unspecified"):
        assert passes(None, None, _classification((), environment=environment))


def test_route_with_shipped_rules_yaml() -> None:
    rules = load_rules(REPO / "rules.yaml", environ={})
    alerts = route(_change(), _classification(("beregnetskatt",), category="info"), rules)
    # Bergen's Teams gets all; its email only downtime/error/resolved.
    assert _targets(alerts) == [("4601", "teams")]
    assert alerts[0].why == ("Beregnet skatt API (rettighetspakke kommuneLangtidsoppholdInstitusjon)",)


def _labels(real_dir: Path) -> dict[str, Classification]:
    labels: dict[str, Classification] = {}
    for line in (real_dir / "labels" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        labels[label["id"]] = Classification(
            category=label["category"],
            planned=label["planned"],
            apis=tuple(label["apis"]),
            environment=label["environment"],
            window=None,
        )
    return labels


def test_route_labelled_corpus_with_shipped_rules(real_dir: Path) -> None:
    rules = load_rules(REPO / "rules.yaml", environ={})
    labels = _labels(real_dir)
    for notice_id, classification in labels.items():
        alerts = route(_change(), classification, rules)
        assert alerts, f"{notice_id}: nobody got it"
        assert len({alert.key for alert in alerts}) == len(alerts)
        reached = {alert.kommune_number for alert in alerts}
        if not classification.apis:
            assert reached == {"admin"}, notice_id
        if classification.apis == ("*",) and classification.category == "downtime":
            # Tromsø's only channel takes prod notices (and "both"/"unspecified"), not test ones.
            expected = {"0301", "4601"} | ({"5501"} if classification.environment != "test" else set())
            assert reached == expected, notice_id
    both = route(_change(), labels["2022-02-18-12-00-endring-xml.md"], rules)
    assert {(alert.kommune_number, alert.channel) for alert in both} == {
        ("0301", "slack"),
        ("0301", "epost"),
        ("4601", "teams"),
    }


def _kommune(*channels: ChannelConfig, **filters: object) -> KommuneConfig:
    return KommuneConfig(  # type: ignore[arg-type]
        number="4601",
        name="Bergen",
        rettighetspakker=("saernamsmann",),
        apis=(),
        channels=channels,
        **filters,
    )


def test_route_test_only_channel_gets_no_production_outage() -> None:
    # A channel set to `environments: [test]` must not receive production outages.
    rules = _rules(_kommune(_email("alt"), _email("testmiljo", environments=frozenset({"test"}))))
    prod = route(_change(), _classification(("inntekt",), environment="prod"), rules)
    assert _targets(prod) == [("4601", "alt")]
    test = route(_change(), _classification(("inntekt",), environment="test"), rules)
    assert _targets(test) == [("4601", "alt"), ("4601", "testmiljo")]
    both = route(_change(), _classification(("inntekt",), environment="both"), rules)
    assert _targets(both) == [("4601", "alt"), ("4601", "testmiljo")]


def test_route_test_only_kommune_gets_no_production_outage() -> None:
    rules = _rules(_kommune(_email("epost"), environments=frozenset({"test"})), admin=ADMIN)
    prod = route(_change(), _classification(("inntekt",), environment="prod"), rules)
    assert _targets(prod) == [("admin", "drift")]
    test = route(_change(), _classification(("inntekt",), environment="test"), rules)
    assert _targets(test) == [("4601", "epost")]
    assert test[0].kommune_name == "Bergen" and test[0].kommune_number == "4601"


def test_passes_environment_filter_per_environment() -> None:
    prod_only, test_only = frozenset({"prod"}), frozenset({"test"})
    expected = {
        "prod": (True, False),
        "test": (False, True),
        "both": (True, True),
        "unspecified": (True, True),
    }
    for environment, (in_prod, in_test) in expected.items():
        classification = _classification((), environment=environment)  # type: ignore[arg-type]
        assert passes(None, prod_only, classification) is in_prod, environment
        assert passes(None, test_only, classification) is in_test, environment


def test_route_admin_reasons() -> None:
    admin = (_email("drift"), _email("vakt", categories=frozenset({"downtime"})))
    nothing = route(_change(), _classification((), category="downtime"), _rules(OSLO, admin=admin))
    assert [(alert.channel, alert.why) for alert in nothing] == [
        ("drift", ("Gjelder ingen av kommunenes API-er",)),
        ("vakt", ("Administratorkanalen abonnerer på kategorien downtime",)),
    ]
    filtered = _rules(_kommune(_email("epost", categories=frozenset({"info"}))), admin=admin)
    missed = route(_change(), _classification(("inntekt",), category="error"), filtered)
    assert [(alert.channel, alert.why) for alert in missed] == [
        ("drift", ("Ingen kommune fikk dette varselet (filtrert bort eller ingen abonnent)",))
    ]
    assert all(alert.kommune_name == "Administrator" for alert in nothing + missed)


def test_route_why_names_every_rettighetspakke_behind_an_api() -> None:
    alerts = route(_change(), _classification(("summertskattegrunnlag", "inntekt")), _rules(OSLO))
    assert alerts[0].why == (
        "Summert skattegrunnlag API (rettighetspakker kommuneForeldrebetaling, kommuneBoligsosialeFormaal)",
        "Inntekt API (rettighetspakke kommuneBoligsosialeFormaal)",
    )
    everything = route(_change(), _classification(("*",)), _rules(OSLO))
    assert {alert.why for alert in everything} == {("Alle delingstjenester",)}


def test_route_why_for_a_kommune_with_every_api() -> None:
    everything = KommuneConfig(
        number="1103", name="Stavanger", rettighetspakker=(), apis=("*",), channels=(_email("epost"),)
    )
    alerts = route(_change(), _classification(("beregnetskatt", "inntekt")), _rules(everything))
    assert alerts[0].why == (
        "Beregnet skatt API (alle API-er (apis: '*' i regelfila))",
        "Inntekt API (alle API-er (apis: '*' i regelfila))",
    )


def test_route_every_admin_channel_gets_what_no_kommune_got() -> None:
    # Two admin channels without categories both get it (the second once missed it: the first
    # admin alert counted as a kommune alert), each after its own environment filter.
    admin = (_email("prod-drift", environments=frozenset({"prod"})), _email("alt"))
    rules = _rules(admin=admin)
    test_only = route(_change(), _classification((), environment="test"), rules)
    assert _targets(test_only) == [("admin", "alt")]
    prod = route(_change(), _classification((), environment="prod"), rules)
    assert _targets(prod) == [("admin", "prod-drift"), ("admin", "alt")]


VOSS = KommuneConfig(
    number="4621",
    name="Voss",
    rettighetspakker=("kommuneBoligsosialeFormaal",),
    apis=("inntekt",),
    channels=(_email("epost"),),
    malform="nn",
)
ULVIK = KommuneConfig(
    number="4620", name="Ulvik", rettighetspakker=(), apis=("*",), channels=(_email("epost"),), malform="nn"
)


def _nynorsk_rules(*kommuner: KommuneConfig) -> Rules:
    return Rules(
        path=Path("rules.yaml"), settings=Settings(), sources=(), kommuner=kommuner, admin=ADMIN,
        admin_malform="nn",
    )  # fmt: skip


def test_route_nynorsk_kommune_reads_why_and_doubt_in_nynorsk() -> None:
    unsure = Classification(
        "info", None, ("inntekt",), "prod", None, api_candidates=("beregnetskatt",), alternative="resolved"
    )
    alerts = route(_change(), unsure, _nynorsk_rules(VOSS, ULVIK))
    assert [(alert.kommune_number, alert.language, alert.why) for alert in alerts] == [
        ("4621", "nn", (
            "Inntekt API (rettigheitspakke kommuneBoligsosialeFormaal)",
            "Uvisst kva API-ar: sendt til alle som bruker Beregnet skatt API eller Inntekt API",
            "Uvisst kva kategori: kan vere løyst, difor sendt som det",
        )),
        ("4620", "nn", (
            "Beregnet skatt API (alle API-ar (apis: '*' i regelfila))",
            "Inntekt API (alle API-ar (apis: '*' i regelfila))",
            "Uvisst kva API-ar: sendt til alle som bruker Beregnet skatt API eller Inntekt API",
            "Uvisst kva kategori: kan vere løyst, difor sendt som det",
        )),
    ]  # fmt: skip


def test_route_unsure_of_every_api_says_all_apis() -> None:
    anything = Classification("error", None, (), "prod", None, api_candidates=("*",))
    alerts = route(_change(), anything, _nynorsk_rules(VOSS))
    assert [(alert.kommune_number, alert.why) for alert in alerts] == [
        ("4621", ("Alle delingstenester", "Uvisst kva API-ar: sendt til alle som bruker alle API-ar")),
    ]
    bokmal = route(_change(), anything, _rules(OSLO))
    assert bokmal[0].why == (
        "Alle delingstjenester",
        "Usikker på hvilke API-er: sendt til alle som bruker alle API-er",
    )


def test_route_nynorsk_admin_reads_why_in_nynorsk() -> None:
    no_api = route(_change(), _classification(()), _nynorsk_rules(VOSS))
    assert [(alert.kommune_number, alert.language, alert.why) for alert in no_api] == [
        ("admin", "nn", ("Gjeld ingen av API-a til kommunane",)),
    ]
    unreached = route(_change(), _classification(("formuesgrunnlageiendomsskatt",)), _nynorsk_rules(VOSS))
    assert [(alert.kommune_number, alert.language, alert.why) for alert in unreached] == [
        ("admin", "nn", ("Ingen kommune fekk dette varselet (filtrert bort eller ingen abonnent)",)),
    ]


def test_blocked_by_names_the_filter_that_stops_it() -> None:
    info = _classification(("inntekt",), category="info", environment="prod")
    assert blocked_by(frozenset({"downtime"}), None, info) == "category"
    assert blocked_by(None, frozenset({"test"}), info) == "environment"
    assert blocked_by(frozenset({"info"}), frozenset({"prod"}), info) is None
