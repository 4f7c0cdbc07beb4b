"""The texts main brought (edit summaries, withdrawals, storm summaries, doubt, corrections) follow
the kommune's målform: a nynorsk kommune reads them in nynorsk, a bokmål one as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.deliver.correction import render_corrected, render_withdrawal
from monitor.deliver.editsummary import body_changes, edit_summary
from monitor.deliver.render import render_alert
from monitor.deliver.summary import storm_summary
from monitor.model import Alert, Change, Classification, Notice, Window
from monitor.route.recipients import doubt_lines
from monitor.store.overrides import Override

NOTICE = Notice("atom", "n1", "Nedetid i Inntekt API", "Nedetid laurdag kl. 18.", "https://example.no/n1")
EDITED = Notice(
    "atom", "n1", "Nedetid i Inntekt API", "Nedetid laurdag kl. 20. Ny tekst.", "https://example.no/n1"
)
CLASSIFICATION = Classification("downtime", True, ("inntekt",), "prod", None)
OVERRIDE = Override(
    "atom:n1", "info", (), None, "feil kategori", "ola", datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
)


def _alert(kind: str, language: str, *, thread_key: str | None = None) -> Alert:
    previous = NOTICE if kind == "edited" else None
    change = Change(kind, EDITED if kind == "edited" else NOTICE, 2, previous)  # type: ignore[arg-type]
    return Alert(
        key=f"atom:n1#v2|4621|slack{kind}",
        kommune_number="4621",
        kommune_name="Voss",
        channel="slack",
        change=change,
        classification=CLASSIFICATION,
        thread_key=thread_key,
        language=language,
    )


def test_edit_summary_in_nynorsk_and_bokmal() -> None:
    assert body_changes("a b c", "a x c d", "nn") == ["«b» → «x»", "lagt til «d»"]
    assert body_changes("a b c", "a c", "nn") == ["fjerna «b»"]
    assert body_changes("a b c", "a c", "nb") == ["fjernet «b»"]
    after = Classification("downtime", True, (), "prod", None)
    summary = edit_summary(
        NOTICE, NOTICE, CLASSIFICATION, after, api_list={"inntekt": "Inntekt API"}, language="nn"
    )
    assert summary == "API-ar: Inntekt API → ingen"
    assert edit_summary(None, NOTICE, None, after, api_list={}, language="nn") == "Varselet er endra"
    same = edit_summary(NOTICE, NOTICE, None, after, api_list={}, language="nn")
    assert same == "Teksten er endra (berre formatering)"
    message = render_alert(_alert("edited", "nn"))
    assert ("Endring", "Tekst: «18.» → «20. Ny tekst.»") in message.fields


def test_a_withdrawal_reads_trekt_tilbake_in_nynorsk() -> None:
    nynorsk = render_alert(_alert("removed", "nn", thread_key="atom:n1#v1|4621|slack"))
    bokmal = render_alert(_alert("removed", "nb", thread_key="atom:n1#v1|4621|slack"))
    assert nynorsk.subject.startswith("[Trekt tilbake] Nedetid")
    assert nynorsk.headline.startswith("Skatteetaten har trekt tilbake varselet")
    assert bokmal.subject.startswith("[Trukket tilbake] Nedetid")


def test_storm_summary_in_nynorsk() -> None:
    alerts = [_alert("new", "nn")] * 3
    message = storm_summary("nyheter-atom", alerts, "4621", "Voss", "k", "nn")
    assert message.headline == "3 nye varsel frå «nyheter-atom» på ein gong"
    assert message.fields[:2] == (("Tal", "3"), ("Kjelde", "nyheter-atom"))
    assert "i staden for" in message.footer and message.language == "nn"
    assert storm_summary("s", alerts, "0301", "Oslo", "k").headline == "3 nye varsler fra «s» på én gang"


def test_doubt_lines_in_nynorsk() -> None:
    unsure = Classification(
        "info", None, ("inntekt",), "prod", None, api_candidates=("beregnetskatt",), alternative="error"
    )
    nynorsk = doubt_lines(unsure, "nn")
    assert nynorsk[0].startswith("Uvisst kva API-ar: sendt til alle som bruker ")
    assert nynorsk[1] == "Uvisst kva kategori: kan vere feil, difor sendt som det"
    assert doubt_lines(unsure)[0].startswith("Usikker på hvilke API-er: ")


def test_corrections_in_nynorsk() -> None:
    corrected = render_corrected(_alert("new", "nn"), OVERRIDE)
    assert corrected.subject.startswith("[Retta] ") and corrected.footer.startswith("Retta av ola ")
    assert render_corrected(_alert("new", "nb"), OVERRIDE).subject.startswith("[Korrigert] ")
    withdrawal = render_withdrawal(
        NOTICE, CLASSIFICATION, OVERRIDE, kommune_name="Voss", key="k", language="nn"
    )
    assert withdrawal.subject == "[Retta] Gjeld ikkje dykk likevel: Nedetid i Inntekt API"
    assert "gjeld ikkje Voss likevel" in withdrawal.headline and "treng ikkje" in withdrawal.body
    assert ("Kategori", "Nedetid") in withdrawal.fields


def test_render_alert_every_field_of_an_edit_in_nynorsk() -> None:
    published = datetime(2024, 3, 1, 7, 30, tzinfo=UTC)
    before = Notice("atom", "n1", "", "Nedetid laurdag kl. 18.", "https://example.no/n1", published=published)
    after = Notice("atom", "n1", "", "Nedetid laurdag kl. 20.", "https://example.no/n1", published=published)
    window = Window("2024-03-02T18:00", "2024-03-02T20:00")
    alert = Alert(
        key="atom:n1#v2|4621|slack",
        kommune_number="4621",
        kommune_name="Voss",
        channel="slack",
        change=Change("edited", after, 2, before),
        classification=Classification("downtime", True, ("inntekt",), "prod", window),
        language="nn",
    )
    previous = Classification("downtime", True, ("*",), "prod", None)
    message = render_alert(alert, probe_note="Inntekt API svarer", previous=previous)
    assert (message.subject, message.headline) == (
        "[Endra] Nedetid: (utan tittel)",
        "Varselet er endra – Nedetid: (utan tittel)",
    )
    window_text = "laurdag 02.03.2024 kl. 18:00 – laurdag 02.03.2024 kl. 20:00"
    assert message.fields == (
        ("Kategori", "Nedetid (planlagd)"),
        ("Endring", f"Tidsrom: ikkje oppgitt → {window_text}; API-ar: Alle delingstenester → Inntekt API; "
                    "Tekst: «18.» → «20.»"),
        ("Råka API-ar", "Inntekt API"),
        ("Miljø", "Produksjon"),
        ("Tidsrom", window_text),
        ("Publisert", "fredag 01.03.2024 kl. 08:30"),
        ("Kommune", "Voss (4621)"),
        ("Helseprobar", "Inntekt API svarer"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "category", "language", "subject", "headline", "published"),
    [
        ("edited", "resolved", "nn", "[Løyst] Feil i Inntekt API",
         "Løyst (oppdatert varsel): Feil i Inntekt API", "ikkje oppgitt"),
        ("edited", "resolved", "nb", "[Løst] Feil i Inntekt API",
         "Løst (oppdatert varsel): Feil i Inntekt API", "ikke oppgitt"),
        ("removed", "error", "nn", "[Fjerna] Feil: Feil i Inntekt API",
         "Varselet er fjerna frå kjelda – Feil: Feil i Inntekt API", "ikkje oppgitt"),
        ("removed", "error", "nb", "[Fjernet] Feil: Feil i Inntekt API",
         "Varselet er fjernet fra kilden – Feil: Feil i Inntekt API", "ikke oppgitt"),
    ],
)  # fmt: skip
def test_render_resolved_update_and_removal_in_both_malformer(
    kind: str, category: str, language: str, subject: str, headline: str, published: str
) -> None:
    notice = Notice("atom", "n1", "Feil i Inntekt API", "Løyst.", "https://example.no/n1")
    alert = Alert(
        key="atom:n1#v2|4621|slack",
        kommune_number="4621",
        kommune_name="Voss",
        channel="slack",
        change=Change(kind, notice, 2, notice if kind == "edited" else None),  # type: ignore[arg-type]
        classification=Classification(category, None, ("inntekt",), "prod", None),  # type: ignore[arg-type]
        language=language,
    )
    message = render_alert(alert)
    assert (message.subject, message.headline) == (subject, headline)
    assert dict(message.fields)["Publisert"] == published


def test_render_capped_subject_drops_the_space_before_the_mark() -> None:
    notice = Notice("atom", "n1", "a" * 166 + " " + "b" * 200, "Tekst.", "https://example.no/n1")
    alert = Alert(
        key="atom:n1#v1|4621|slack",
        kommune_number="4621",
        kommune_name="Voss",
        channel="slack",
        change=Change("new", notice, 1),
        classification=Classification("error", None, ("inntekt",), "prod", None),
        language="nn",
    )
    assert render_alert(alert).subject == "[Driftsvarsel] Feil: " + "a" * 166 + "… (forkorta)"
