"""The correction loop end to end, with the real receivers on loopback: a notice alerted to the
wrong kommuner is corrected twice; kommuner newly in scope get the alert marked "[Korrigert]",
kommuner alerted wrongly get one short correction in the same thread (Slack bot thread reply,
email In-Reply-To, a Teams card); a later edit keeps the correction; `labels export` writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_end_to_end import World

from monitor.cli.correct import correct_notice, export_labels
from monitor.cli.main import main
from monitor.deliver.worker import drain
from monitor.store.overrides import override_history

POST = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/02/01/feil"
KEY = f"nyheter-atom:{POST}"
FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler</id>
  <title>Skatteetaten - API varsel</title>
  <updated>{updated}</updated>
  {entries}
</feed>"""
ENTRY = """<entry>
    <title type="html"><![CDATA[{title}]]></title>
    <id>{id}</id>
    <link href="{id}"/>
    <updated>{updated}</updated>
    <content type="html"><![CDATA[<p>{text}</p>]]></content>
  </entry>"""
OLD = ENTRY.format(title="Ny versjon av Inntekt API", id=POST + "-gammel", updated="2024-01-10T09:00:00Z",
                   text="Inntekt API versjon 2 er tilgjengelig.")  # fmt: skip
TEXT = "Vi ser feil i Formuesgrunnlag for eiendomsskatt API og Inntekt API i produksjon. Vi undersøker."


def _feed(*entries: str) -> bytes:
    return FEED.format(updated="2024-02-01T09:00:00Z", entries="\n".join(entries)).encode("utf-8")


def _entry(text: str = TEXT, updated: str = "2024-02-01T09:00:00Z") -> str:
    return ENTRY.format(title="Feil i API-ene", id=POST, updated=updated, text=text)


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.serve(_feed(OLD))
    instance.poll_and_deliver()  # the quiet baseline
    instance.serve(_feed(_entry(), OLD))
    assert instance.poll_and_deliver() == "changed"
    yield instance
    instance.close()


def _deliver(world: World) -> None:
    for _ in range(60):
        stats = drain(world.db, world.rules, now_fn=lambda: world.clock)
        if stats.next_due is None:
            break
        world.clock = max(world.clock + timedelta(seconds=1), stats.next_due)


def _correct(world: World, apis: str, reason: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    world.clock += timedelta(minutes=30)
    result = correct_notice(
        world.db, world.rules, POST, category=None, apis=tuple(apis.split(",")), environment=None,
        reason=reason, who="admin-ola", now=world.clock,
    )  # fmt: skip
    _deliver(world)
    return result.added, result.withdrawn


def test_correction_reroutes_at_once_and_threads_the_correction(world: World) -> None:
    # Eiendomsskatt and Inntekt: Oslo (Inntekt) on Slack and e-mail, Bergen (Inntekt) on Teams,
    # Tromsø (Eiendomsskatt) on its Slack bot.
    assert world.received() == {"0301/slack": 1, "0301/epost": 1, "4601/teams": 1, "5501/bot": 1}
    first_mail = world.smtp.received()[0].message

    # It was Beregnet skatt: only Bergen (kommuneLangtidsoppholdInstitusjon) uses it.
    added, withdrawn = _correct(world, "beregnetskatt", "Feilen gjaldt Beregnet skatt API")
    assert added == () and withdrawn == ("0301/epost", "0301/slack", "5501/bot")
    assert world.received() == {"0301/slack": 2, "0301/epost": 2, "4601/teams": 1, "5501/bot": 2}
    bot_messages = [message for message in world.slack.received() if message.path == "/api/chat.postMessage"]
    assert [message.thread_ts for message in bot_messages] == [None, bot_messages[0].ts]
    assert "Gjelder ikke dere likevel" in json.dumps(bot_messages[1].payload, ensure_ascii=False)
    mails = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    assert mails[0]["Message-ID"] == first_mail["Message-ID"]
    assert mails[1]["In-Reply-To"] == first_mail["Message-ID"]
    assert mails[1]["Subject"] == "[Korrigert] Gjelder ikke dere likevel: Feil i API-ene"
    assert "Korrigert av admin-ola" in mails[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # No, Eiendomsskatt after all: Tromsø is back in scope ([Korrigert]), Bergen gets a correction on Teams.
    added, withdrawn = _correct(world, "formuesgrunnlageiendomsskatt", "Bare eiendomsskatt var berørt")
    assert added == ("5501/bot",) and withdrawn == ("4601/teams",)
    assert world.received() == {"0301/slack": 2, "0301/epost": 2, "4601/teams": 2, "5501/bot": 3}
    card = world.teams.received()[-1].card
    # Teams markdown: the receiver gets the brackets escaped, as the sender must write them.
    assert card["body"][0]["text"] == "\\[Korrigert\\] Varselet «Feil i API-ene» gjelder ikke Bergen likevel"
    bot_messages = [message for message in world.slack.received() if message.path == "/api/chat.postMessage"]
    assert bot_messages[-1].thread_ts is None and "[Korrigert]" in json.dumps(bot_messages[-1].payload)

    history = override_history(world.db, KEY)
    assert [(item.apis, item.who, item.reason) for item in history] == [
        (("beregnetskatt",), "admin-ola", "Feilen gjaldt Beregnet skatt API"),
        (("formuesgrunnlageiendomsskatt",), "admin-ola", "Bare eiendomsskatt var berørt"),
    ]

    # A later edit of the notice keeps the correction: only Tromsø hears of it.
    world.serve(_feed(_entry(TEXT + " Oppdatert kl. 11.", "2024-02-01T10:00:00Z"), OLD))
    assert world.poll_and_deliver() == "changed"
    assert world.received() == {"0301/slack": 2, "0301/epost": 2, "4601/teams": 2, "5501/bot": 4}
    assert world.ledger(version=2) == {"5501/bot": 1}

    assert export_labels(world.db, world.rules) == [
        json.dumps(
            {
                "id": POST,
                "category": "error",
                "planned": None,
                "apis": ["formuesgrunnlageiendomsskatt"],
                "environment": "prod",
                "window": None,
            }
        )  # fmt: skip
    ]


def test_cli_correct_and_labels_export(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    rules = str(world.rules.path)
    assert main(["correct", POST, "--apis", "inntekt,bogus", "--reason", "x", "--rules", rules]) == 1
    assert "Error: --apis: unknown API 'bogus'" in capsys.readouterr().err
    assert main(["correct", "https://nowhere.test/x", "--apis", "*", "--reason", "x", "--rules", rules]) == 1
    assert "no stored notice matches 'https://nowhere.test/x'" in capsys.readouterr().err
    code = main(["correct", KEY, "--category", "info", "--reason", "Bare et møte", "--who", "kari",
                 "--no-deliver", "--rules", rules])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{KEY}: correction recorded (kari, ")
    assert main(["history", KEY, "--db", str(world.rules.settings.database)]) == 0
    history = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"  corrected \S+ \S+ \S+ by kari: category=info \(Bare et møte\)", history[-1])
    assert main(["labels", "export", "--db", str(world.rules.settings.database)]) == 0
    line = json.loads(capsys.readouterr().out)
    apis = ["formuesgrunnlageiendomsskatt", "inntekt"]
    assert line == {
        "id": POST,
        "category": "info",
        "planned": None,
        "apis": apis,
        "environment": "prod",
        "window": None,
    }
