"""The probe state machine, announced windows, certificate-warning decisions and the alert texts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from probe_servers import kommune, make_rules

from monitor.config.types import ProbeSettings
from monitor.model import Classification, ProbeResult, TargetState, Window
from monitor.probes.alerts import probe_note, synthetic_change, transition_alerts
from monitor.probes.state import (
    Thresholds,
    Transition,
    cert_warnings_due,
    covering_notice,
    step,
    window_covers,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Oslo
MINUTE = timedelta(minutes=1)
THRESHOLDS = Thresholds(failure=3, success=2)


def result(state: str, at: datetime, api: str = "inntekt", environment: str = "prod") -> ProbeResult:
    return ProbeResult(api, environment, "https://x/v1", state, at, 12.0, 500, f"detail {state}")  # type: ignore[arg-type]


def downtime(
    apis: tuple[str, ...], environment: str = "prod", window: Window | None = None
) -> Classification:
    return Classification("downtime", True, apis, environment, window)  # type: ignore[arg-type]


def run(
    states: list[str],
    *,
    announced: list[tuple[str, Classification]] | None = None,
    api: str = "inntekt",
    start: TargetState | None = None,
) -> tuple[TargetState, list[Transition]]:
    state = start
    transitions: list[Transition] = []
    for index, name in enumerate(states):
        at = T0 + index * 5 * MINUTE
        state, found = step(
            state, result(name, at, api), thresholds=THRESHOLDS, announced=announced or [], now=at
        )
        transitions.extend(found)
    assert state is not None
    return state, transitions


def test_step_becomes_up_after_success_threshold_without_transition() -> None:
    state, transitions = run(["up"])
    assert state.state == "unknown"
    state, transitions = run(["up", "up"])
    assert state.state == "up" and transitions == []


def test_step_opens_outage_only_at_failure_threshold() -> None:
    state, transitions = run(["up", "up", "down", "down"])
    assert state.state == "up" and transitions == []
    state, transitions = run(["up", "up", "down", "down", "down"])
    assert state.display == "nede"
    assert [t.kind for t in transitions] == ["outage"]
    assert transitions[0].alert is True
    assert transitions[0].since == T0 + 10 * MINUTE  # the first failing probe, not the third


def test_step_does_not_flap_on_interleaved_failures() -> None:
    state, transitions = run(["up", "up", "down", "down", "up", "down", "down", "up", "down"])
    assert state.state == "up" and transitions == []


def test_step_recovers_after_success_threshold_with_alert() -> None:
    state, transitions = run(["up", "up", "down", "down", "down", "up", "down", "up", "up"])
    assert [t.kind for t in transitions] == ["outage", "recovery"]
    recovery = transitions[1]
    assert recovery.alert is True and recovery.opening_id == transitions[0].id
    assert state.state == "up" and state.outage_id is None


def test_step_misconfigured_outage_keeps_its_kind() -> None:
    state, transitions = run(["misconfigured"] * 3)
    assert state.display == "feilkonfigurert" and transitions[0].state == "misconfigured"


def test_step_announced_window_suppresses_outage_alert() -> None:
    window = Window("2026-11-26T09:30", "2026-11-26T12:00")  # Oslo local time
    announced = [("atom:planlagt", downtime(("inntekt",), "both", window))]
    state, transitions = run(["up", "up", "down", "down", "down"], announced=announced)
    assert state.display == "varslet nedetid"
    assert transitions[0].alert is False and transitions[0].announced_by == "atom:planlagt"
    state, transitions = run(["up", "up", "down", "down", "down", "up", "up"], announced=announced)
    assert transitions[-1].kind == "recovery" and transitions[-1].alert is False


def test_step_outage_outliving_its_window_is_alerted_as_overrun() -> None:
    window = Window("2026-11-26T09:30", "2026-11-26T10:20")  # ends 09:20 UTC (+1 min)
    announced = [("atom:planlagt", downtime(("*",), "unspecified", window))]
    state, transitions = run(["down"] * 6, announced=announced)
    assert [t.kind for t in transitions] == ["outage", "overrun"]
    assert transitions[0].alert is False and transitions[1].alert is True
    assert state.announced_by is None and state.outage_alerted


def test_covering_notice_matches_api_environment_and_star() -> None:
    now = T0
    open_window = Window(None, None)
    assert (
        covering_notice("inntekt", "prod", [("a", downtime(("inntekt",), "prod", open_window))], now) == "a"
    )
    assert covering_notice("inntekt", "prod", [("a", downtime(("beregnetskatt",)))], now) is None
    assert covering_notice("inntekt", "prod", [("a", downtime(("inntekt",), "test"))], now) is None
    assert covering_notice("inntekt", "test", [("a", downtime(("*",), "both"))], now) == "a"
    assert covering_notice("maskinporten", "prod", [("a", downtime(("inntekt",)))], now) is None
    assert covering_notice("maskinporten", "prod", [("a", downtime(("*",)))], now) == "a"
    error = Classification("error", None, ("inntekt",), "prod", None)
    assert covering_notice("inntekt", "prod", [("a", error)], now) is None


def test_window_covers_uses_oslo_time_and_whole_end_minute() -> None:
    window = Window("2026-11-26T10:00", "2026-11-26T11:00")
    assert not window_covers(window, datetime(2026, 11, 26, 8, 59, tzinfo=UTC))
    assert window_covers(window, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert window_covers(window, datetime(2026, 11, 26, 10, 0, 59, tzinfo=UTC))
    assert not window_covers(window, datetime(2026, 11, 26, 10, 1, tzinfo=UTC))
    start_only = Window("2026-11-26T10:00", None)
    assert window_covers(start_only, datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert not window_covers(start_only, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


def test_cert_warnings_due_once_per_threshold() -> None:
    expires = T0 + timedelta(days=10)
    assert cert_warnings_due(expires, T0 - timedelta(days=5)) == []
    assert cert_warnings_due(expires, T0) == [14]
    assert cert_warnings_due(expires, T0, sent={14}) == []
    assert cert_warnings_due(expires, T0 + timedelta(days=4), sent={14}) == [7]
    assert cert_warnings_due(expires, T0 + timedelta(days=5)) == [14, 7]
    assert cert_warnings_due(None, T0) == []


def test_probe_note_in_norwegian() -> None:
    states = [
        TargetState("inntekt", "prod", "down", since=datetime(2026, 11, 26, 9, 2, tzinfo=UTC)),
        TargetState("inntekt", "test", "up", since=T0 - timedelta(days=2)),
        TargetState("beregnetskatt", "prod", "up"),
    ]
    note = probe_note(["inntekt"], states, now=T0)
    assert (
        note == "Helseprobene ser nå: Inntekt API (prod) nede siden 10:02; Inntekt API (test) svarer normalt."
    )
    assert probe_note(["formuesgrunnlageiendomsskatt"], states) is None
    everything = probe_note(["*"], states, now=T0)
    assert everything is not None and "Beregnet skatt API (prod) svarer normalt" in everything


def test_transition_alerts_go_to_kommuner_using_the_api(tmp_path: Path) -> None:
    rules = make_rules(
        tmp_path,
        ProbeSettings(),
        kommuner=(
            kommune("0301", "Oslo", ("inntekt",), ("slack", "mail")),
            kommune("4203", "Arendal", ("formuesgrunnlageiendomsskatt",)),
        ),
    )
    _, transitions = run(["down"] * 3 + ["up"] * 2)
    alerts = transition_alerts(transitions, rules)
    assert sorted(alert.key for alert, _ in alerts) == [
        "probe:probe:inntekt:prod:1#v1|0301|mail",
        "probe:probe:inntekt:prod:1#v1|0301|slack",
        "probe:probe:inntekt:prod:2#v1|0301|mail",
        "probe:probe:inntekt:prod:2#v1|0301|slack",
    ]
    outage, message = alerts[0]
    assert outage.change.notice.source == "probe" and outage.classification.category == "downtime"
    assert outage.classification.planned is False
    assert "ikke varslet av Skatteetaten" in message.subject
    recovery, recovery_message = alerts[2]
    assert recovery.classification.category == "resolved"
    assert recovery.thread_key == f"probe:probe:inntekt:prod:1#v1|0301|{recovery.channel}"
    assert recovery_message.in_reply_to is not None
    assert "svarer normalt igjen" in recovery_message.subject


def test_transition_alerts_for_maskinporten_reach_every_kommune(tmp_path: Path) -> None:
    rules = make_rules(tmp_path, ProbeSettings())
    _, transitions = run(["down"] * 3, api="maskinporten")
    alerts = transition_alerts(transitions, rules)
    assert {alert.kommune_number for alert, _ in alerts} == {"0301", "4203"}
    change, classification = synthetic_change(transitions[0])
    assert classification.apis == ("*",)
    assert change.notice.notice_id == "probe:maskinporten:prod:1"
    assert "Maskinporten" in change.notice.text
