"""`driftsvarsel demo`: the real pipeline over a local replay of Skatteetaten's real notices.

No credentials, no internet. A LocalServer replays the saved Atom feed, listing page and status
page (`monitor.demo.replay`), revealing a few notices at each poll; local stand-ins for Slack, Teams
and SMTP (`monitor.demo.receivers`) take the alerts; three kommuner subscribe with different
rettighetspakker and channels. The demo writes its own rules file (the same kommuner as the
shipped rules.yaml, with loopback URLs) and prints what each kommune received.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import sqlite_utils

from monitor.classify import load_vocabulary
from monitor.config.load import load_rules
from monitor.config.types import Rules
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer, Request, Response, Route
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.demo.replay import ReplaySchedule, install_routes
from monitor.demo.report import Receivers, demo_logging, print_received, print_step
from monitor.errors import UserError
from monitor.fetch import fetch
from monitor.pipeline import poll_source
from monitor.probes.round import note_for, run_probe_round
from monitor.probes.status import status_report
from monitor.sources.health import check_sources
from monitor.sources.health import render as render_checks
from monitor.store import open_db
from monitor.store.notices import downtime_windows

#: The replay reveals the 36 oldest feed entries at the baseline, then two more at every poll.
SCHEDULE = ReplaySchedule(
    first_entries=36, entries_per_step=2, first_status_events=0, status_events_per_step=1
)
#: The demo clock: after the newest replayed notice (status page, summer 2024), an hour per poll.
DEMO_START = datetime(2024, 8, 20, 8, 0, tzinfo=UTC)
MAX_DRAIN_ROUNDS = 200
DRAIN_HORIZON = timedelta(minutes=30)

#: The first line of the demo's rules.yaml, and every file name the demo writes in --state-dir:
#: a directory holding anything else is never emptied.
DEMO_RULES_MARK = "# Written by `driftsvarsel demo`"
DEMO_LOG = "demo.log"
DEMO_FILES = frozenset(
    {
        "rules.yaml",
        "driftsvarsel.db",
        "driftsvarsel.db-wal",
        "driftsvarsel.db-shm",
        "driftsvarsel.db-journal",
        DEMO_LOG,
    }
)
RULES_TEMPLATE = """\
# Written by `driftsvarsel demo`: the kommuner of the shipped rules.yaml, pointed at loopback.
settings:
  state_dir: {state_dir}
  database: driftsvarsel.db
  slack_api_url: {slack_api}
  smtp:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    sender: driftsvarsel@demo.localhost
sources:
  - {{name: nyheter-atom, kind: atom, url: "{atom}", interval_seconds: 1}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 1}}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling, kommuneBoligsosialeFormaal]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:DEMO_OSLO_SLACK_WEBHOOK"}}
      - {{name: epost, kind: email, to: [drift@oslo.demo.localhost]}}
  - kommunenummer: "4601"
    navn: Bergen
    rettighetspakker: [kommuneLangtidsoppholdInstitusjon, saernamsmann]
    channels:
      - {{name: teams, kind: teams, webhook: "env:DEMO_BERGEN_TEAMS_WEBHOOK", fallback: epost}}
      - name: epost
        kind: email
        to: [it-drift@bergen.demo.localhost]
        categories: [downtime, error, resolved]
  - kommunenummer: "5501"
    navn: Tromsø
    rettighetspakker: [kommuneEiendomsskatt]
    environments: [prod]
    channels:
      - {{name: bot, kind: slack_bot, token: "env:DEMO_TROMSO_SLACK_TOKEN", channel: C0TROMSO}}
admin:
  - {{name: epost, kind: email, to: [driftsvarsel-admin@demo.localhost]}}
probes:
  interval_seconds: 1
  failure_threshold: 2
  success_threshold: 1
  environments: [prod]
  base_urls:
{base_urls}
"""


#: The stand-in gateway's APIs, with the error code each answers a request without a token.
GATEWAY_CODES = {
    "summertskattegrunnlag": "SSG-004",
    "beregnetskatt": "BSA-004",
    "inntekt": "IM-004",
    "formuesgrunnlageiendomsskatt": "FGS-004",
}
#: Poll steps at which the stand-in Inntekt API is down (an outage nobody announced).
INNTEKT_DOWN_STEPS = frozenset({2, 3, 4})


class Gateway:
    """A stand-in for Skatteetaten's API gateway and Maskinporten's metadata, on loopback.

    Without a token each API answers 401 with its own JSON error body (so the API is up), or,
    while it is `down`, 500 with DAS-003 ("for øyeblikket utilgjengelig").
    """

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.down: set[str] = set()
        for api in GATEWAY_CODES:
            server.route(f"/gateway/{api}", self._answer_for(api))
        metadata = {
            "issuer": server.url("/maskinporten/"),
            "token_endpoint": server.url("/maskinporten/token"),
        }
        server.route(
            "/maskinporten/.well-known/oauth-authorization-server",
            Route(json.dumps(metadata).encode(), "application/json", conditional=False),
        )

    def base_urls_yaml(self) -> str:
        lines = [f"    {api}: {{prod: {self.server.url(f'/gateway/{api}')}}}" for api in GATEWAY_CODES]
        lines.append(f"    maskinporten: {{prod: {self.server.url('/maskinporten')}}}")
        return "\n".join(lines)

    def _answer_for(self, api: str) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            if api in self.down:
                body = {"kode": "DAS-003", "melding": "Tjenesten er for øyeblikket utilgjengelig"}
                return Response(500, json.dumps(body).encode(), "application/json")
            body = {"kode": GATEWAY_CODES[api], "melding": "Mangler autentisering", "korrelasjonsid": "demo"}
            return Response(401, json.dumps(body).encode(), "application/json")

        return answer


def run_demo(state_dir: Path, *, steps: int = 5, out: TextIO) -> int:
    """Replay, poll `steps` times after a quiet baseline, deliver, and print who got what."""
    if steps < 0:
        raise UserError(f"--steps {steps}: give 0 (the baseline only) or more polls")
    state_dir = _fresh_state_dir(state_dir.resolve())
    with demo_logging(state_dir / DEMO_LOG), _services() as (replay, receivers):
        urls = install_routes(replay, 0, SCHEDULE)
        gateway = Gateway(replay)
        rules = _write_rules(state_dir, urls, receivers, gateway)
        db = open_db(rules.settings.database)
        vocabulary = load_vocabulary(rules.vocabulary)
        out.write(f"driftsvarsel demo: replaying real Skatteetaten notices from {replay.url('/')}\n")
        out.write(f"rules: {rules.path}\ndatabase: {rules.settings.database}\n\n")
        for step in range(steps + 1):
            now = DEMO_START + timedelta(hours=step)
            install_routes(replay, step, SCHEDULE)
            reports = [
                poll_source(db, rules, source, now=now, vocabulary=vocabulary, probe_note=note_for(db, now))
                for source in rules.sources
            ]
            gateway.down = {"inntekt"} if step in INNTEKT_DOWN_STEPS else set()
            probes = run_probe_round(db, rules, now=now, announced=downtime_windows(db, now))
            sent = _deliver_all(db, rules, now)
            print_step(out, step, reports, sent)
            for transition in probes.transitions:
                note = "" if transition.alert else " (not alerted)"
                out.write(
                    f"   probe {transition.api} ({transition.environment}): {transition.kind}, "
                    f"{transition.detail}{note}\n"
                )
        print_received(out, receivers)
        out.write("\n== Health probes (driftsvarsel status)\n")
        out.write(status_report(db, rules, DEMO_START + timedelta(hours=steps)) + "\n")
        out.write("\n== Sources (driftsvarsel sources check)\n")
        checks = check_sources(rules, DEMO_START + timedelta(hours=steps), lambda source: fetch(source.url))
        out.write(render_checks(checks) + "\n")
        out.write(
            f"\nThe history is kept in {rules.settings.database}. Try:\n"
            f"  driftsvarsel outbox --rules {rules.path} --state all\n"
            f"  driftsvarsel status --rules {rules.path}\n"
            f"  driftsvarsel history --rules {rules.path} status-incidents\n"
            f"The demo's log is {state_dir / DEMO_LOG}.\n"
        )
    return 0


def _fresh_state_dir(state_dir: Path) -> Path:
    """`state_dir`, created, or emptied when it holds only what an earlier demo wrote there.

    Raises UserError (naming the directory) rather than delete anything the demo did not write.
    """
    fix = "give --state-dir a new or empty directory"
    if state_dir.is_dir():
        names = {entry.name for entry in state_dir.iterdir()}
        rules = state_dir / "rules.yaml"
        written_by_demo = rules.is_file() and rules.read_bytes().startswith(DEMO_RULES_MARK.encode())
        if names and (not names <= DEMO_FILES or not written_by_demo):
            raise UserError(f"{state_dir} holds files the demo did not write, so it is left alone ({fix})")
        for name in names:
            (state_dir / name).unlink()
        return state_dir
    try:
        state_dir.mkdir(parents=True)
    except OSError as error:
        raise UserError(f"cannot create the demo directory {state_dir}: {error.strerror} ({fix})") from None
    return state_dir


@contextmanager
def _services() -> Iterator[tuple[LocalServer, Receivers]]:
    with ExitStack() as stack:
        replay = stack.enter_context(LocalServer())
        receivers = Receivers(
            slack=stack.enter_context(SlackReceiver(token="xoxb-demo-token")),
            teams=stack.enter_context(TeamsReceiver()),
            smtp=stack.enter_context(SmtpReceiver()),
        )
        yield replay, receivers


def _write_rules(state_dir: Path, urls: dict[str, str], receivers: Receivers, gateway: Gateway) -> Rules:
    os.environ["DEMO_OSLO_SLACK_WEBHOOK"] = receivers.slack.webhook_url
    os.environ["DEMO_BERGEN_TEAMS_WEBHOOK"] = receivers.teams.url
    os.environ["DEMO_TROMSO_SLACK_TOKEN"] = "xoxb-demo-token"
    path = state_dir / "rules.yaml"
    path.write_text(
        RULES_TEMPLATE.format(
            state_dir=state_dir,
            slack_api=receivers.slack.api_url,
            smtp_port=receivers.smtp.port,
            atom=urls["atom"],
            status=urls["statuspage_api"],
            base_urls=gateway.base_urls_yaml(),
        ),
        encoding="utf-8",
    )
    return load_rules(path)


def _deliver_all(db: sqlite_utils.Database, rules: Rules, start: datetime) -> int:
    """Drain the outbox on the demo clock, letting the clock run through rate-limit deferrals."""
    clock = start
    sent = 0
    for _ in range(MAX_DRAIN_ROUNDS):
        stats = drain(db, rules, now_fn=_fixed(clock))
        sent += stats.sent
        if stats.next_due is None or stats.next_due - start > DRAIN_HORIZON:
            break
        clock = max(clock + timedelta(seconds=1), stats.next_due)
    return sent


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment
