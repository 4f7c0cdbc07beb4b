"""render_alert / render_admin: Norwegian text, stable ids, truncation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from delivery_samples import make_alert

from monitor.deliver.render import (
    BODY_MAX_CHARS,
    SHORTENED,
    SUBJECT_MAX_CHARS,
    api_list,
    message_id_for,
    render_admin,
    render_alert,
    truncate,
)
from monitor.model import Window


def test_render_alert_downtime_fields_in_norwegian() -> None:
    message = render_alert(make_alert())
    fields = dict(message.fields)
    assert message.subject == "[Driftsvarsel] Nedetid: Nedetid på tjenester 23.04"
    assert fields["Kategori"] == "Nedetid (planlagt)"
    assert fields["Berørte API-er"] == "Inntekt API, Summert skattegrunnlag API"
    assert fields["Miljø"] == "Produksjon"
    assert fields["Tidsrom"] == "lørdag 23.04.2022 kl. 16:00 – mandag 02.05.2022 kl. 07:00"
    assert fields["Publisert"] == "tirsdag 19.04.2022 kl. 09:30"  # 07:30 UTC is 09:30 in Oslo (summer time)
    assert message.link is not None and message.link.startswith("https://")


def test_render_alert_unplanned_downtime_and_missing_window_end() -> None:
    alert = make_alert(planned=False, window=Window("2022-04-23T16:00", None), environment="both")
    fields = dict(render_alert(alert).fields)
    assert fields["Kategori"] == "Nedetid (uplanlagt)"
    assert fields["Tidsrom"] == "lørdag 23.04.2022 kl. 16:00 – ikke oppgitt"
    assert fields["Miljø"] == "Produksjon og test"


def test_render_alert_downtime_without_window_says_ikke_oppgitt() -> None:
    fields = dict(render_alert(make_alert(window=None, environment="unspecified")).fields)
    assert fields["Tidsrom"] == "ikke oppgitt"
    assert fields["Miljø"] == "Ikke oppgitt"


def test_render_alert_all_apis_is_alle_delingstjenester() -> None:
    message = render_alert(make_alert(category="error", planned=None, apis=("*",), window=None))
    fields = dict(message.fields)
    assert fields["Berørte API-er"] == "Alle delingstjenester"
    assert fields["Kategori"] == "Feil"
    assert "Tidsrom" not in fields
    assert message.subject.startswith("[Driftsvarsel] Feil: ")


def test_render_alert_message_id_is_stable_and_differs_per_key() -> None:
    first = render_alert(make_alert())
    again = render_alert(make_alert(text="other text"))
    other = render_alert(make_alert(version=2))
    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@driftsvarsel.monitor>")


def test_render_alert_edited_says_varselet_er_endret_with_title_change() -> None:
    alert = make_alert(kind="edited", previous_title="Nedetid 23.04", version=2)
    message = render_alert(alert)
    assert message.subject == "[Endret] Nedetid: Nedetid på tjenester 23.04"
    assert message.headline.startswith("Varselet er endret")
    assert dict(message.fields)["Endring"] == "Tittel: «Nedetid 23.04» → «Nedetid på tjenester 23.04»"


def test_render_alert_resolved_subject_and_reply_reference() -> None:
    alert = make_alert(category="resolved", planned=None, window=None, title="Feilen er rettet")
    message = render_alert(alert, in_reply_to="<abc@driftsvarsel.monitor>")
    assert message.subject == "[Løst] Feilen er rettet"
    assert dict(message.fields)["Kategori"] == "Løst"
    assert message.in_reply_to == "<abc@driftsvarsel.monitor>"


def test_render_alert_probe_note_becomes_a_field() -> None:
    message = render_alert(make_alert(), probe_note="Helseprobene ser: Inntekt API svarer normalt")
    assert dict(message.fields)["Helseprober"] == "Helseprobene ser: Inntekt API svarer normalt"
    assert "Helseprober" not in dict(render_alert(make_alert()).fields)


def test_render_alert_truncates_long_body_and_folds_title_lines() -> None:
    alert = make_alert(title="Linje én\nBcc: evil@example.org", text="ord " * 2000)
    message = render_alert(alert)
    assert len(message.body) <= BODY_MAX_CHARS
    assert message.body.endswith("… (forkortet)")
    assert "\n" not in message.subject and "Linje én Bcc:" in message.subject


def test_render_alert_footer_explains_routing_and_first_two_reasons() -> None:
    footer = render_alert(make_alert()).footer
    assert footer == (
        "Gjelder Inntekt API via rettighetspakke kommuneBoligsosialeFormaal. "
        "Klassifisert som nedetid: «utilgjengelig» i teksten; «nedetid» i tittelen."
    )


def test_render_alert_real_corpus_post(corpus_dir: Path) -> None:
    source = (corpus_dir / "posts" / "2022-04-19-09-30-planlagt-nedetid.md").read_text("utf-8")
    front, body = source.split("---", 2)[1:]
    title = next(
        line.split(":", 1)[1].strip().strip('"') for line in front.splitlines() if line.startswith("title")
    )
    message = render_alert(make_alert(title=title, text=body, apis=("*",)))
    assert message.subject == "[Driftsvarsel] Nedetid: Nedetid på tjenester 23.04 og fra 28.04 til 02.05"
    assert message.body.startswith("Skatteetaten skal oppgradere noen systemer lørdag 23.04")


def test_render_admin_builds_plain_operator_message() -> None:
    message = render_admin("Kilden skatteetaten-atom feiler", "HTTP 503 siden 10:00", "admin:source:x")
    assert message.subject == "[Driftsvarsel admin] Kilden skatteetaten-atom feiler"
    assert message.body == "HTTP 503 siden 10:00"
    assert message.fields == () and message.link is None
    assert message.message_id == render_admin("annet", "annet", "admin:source:x").message_id


def test_render_admin_footer_and_message_id() -> None:
    message = render_admin("Kilden feiler", "HTTP 503", "admin:source:x")
    assert message.footer == "Driftsmelding fra driftsvarsel-monitor til administratorene."
    assert message.message_id == message_id_for("admin:source:x")
    assert message.message_id != render_admin("Kilden feiler", "HTTP 503", "admin:source:y").message_id


def test_render_alert_edit_summary_without_title_change_or_previous() -> None:
    same_title = render_alert(
        make_alert(kind="edited", previous_title="Nedetid på tjenester 23.04", version=2)
    )
    assert dict(same_title.fields)["Endring"] == "Teksten er endret (bare formatering)"
    unknown = render_alert(make_alert(kind="edited", version=2))
    assert dict(unknown.fields)["Endring"] == "Varselet er endret"


def test_render_alert_edit_summary_caps_a_long_title_at_a_snippet() -> None:
    alert = make_alert(kind="edited", title="Ny " + "x" * 600, previous_title="Gammel", version=2)
    summary = dict(render_alert(alert).fields)["Endring"]
    # The new title is shown as a snippet of 120 characters, the last one "…".
    assert summary == "Tittel: «Gammel» → «Ny " + "x" * 116 + "…»"


def test_render_alert_names_the_kommune_in_its_own_field() -> None:
    fields = dict(render_alert(make_alert()).fields)
    assert fields["Kommune"] == "Drammen (3301)"
    admin = replace(make_alert(), kommune_number="admin", kommune_name="Administrator")
    assert "Kommune" not in dict(render_alert(admin).fields)


def test_render_alert_edited_resolution_is_news_of_the_resolution() -> None:
    alert = make_alert(kind="edited", category="resolved", planned=None, previous_title="Feil", version=2)
    message = render_alert(alert)
    assert (message.subject, message.headline) == (
        "[Løst] Nedetid på tjenester 23.04",
        "Løst (oppdatert varsel): Nedetid på tjenester 23.04",
    )


def test_render_alert_footer_ends_each_part_with_one_full_stop() -> None:
    alert = make_alert(reasons=("«feil» i teksten.",))
    assert render_alert(alert).footer == (
        "Gjelder Inntekt API via rettighetspakke kommuneBoligsosialeFormaal. "
        "Klassifisert som nedetid: «feil» i teksten."
    )


def test_api_list_keeps_an_api_id_it_has_no_name_for() -> None:
    assert api_list(("inntekt", "skattekort")) == "Inntekt API, skattekort"
    assert api_list(()) == "Ingen av kommunenes API-er er nevnt"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("k" * 100, 100, "k" * 100),  # exactly at the limit: untouched
        ("a" * 85 + " " + "b" * 20, 100, "a" * 85 + SHORTENED),  # cut at the last space (past 80 %)
        ("a" * 50 + " " + "b" * 60, 100, "a" * 50 + " " + "b" * 36 + SHORTENED),  # no space near: hard cut
        ("a" * 81 + " " + "b" * 30, 100, "a" * 81 + SHORTENED),  # last space just past 80 %: cut there
        ("a" * 80 + " " + "b" * 30, 100, "a" * 80 + " " + "b" * 6 + SHORTENED),  # at exactly 80 %: hard cut
        (
            "a" * 82 + " b c d e f g h i j k",
            100,
            "a" * 82 + " b c" + SHORTENED,
        ),  # the last space, not the first
    ],
)
def test_truncate_cuts_at_a_near_word_boundary(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected


def test_render_admin_subject_exactly_at_the_limit_is_not_cut() -> None:
    prefix = "[Driftsvarsel admin] "
    fits = "x" * (SUBJECT_MAX_CHARS - len(prefix))
    assert render_admin(fits, "tekst", "k").subject == prefix + fits
    cut = render_admin(fits + "y", "tekst", "k").subject
    assert len(cut) == SUBJECT_MAX_CHARS and cut.endswith("x" + SHORTENED)
