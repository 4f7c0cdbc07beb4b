"""The classifier against the labelled dev set, and its parts on the issue's phrases."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.classify import classify, load_vocabulary, validate_vocabulary
from monitor.classify.dates import tokens
from monitor.classify.period import bounds, parse_period
from monitor.cli.evaluate import evaluate
from monitor.errors import UserError
from monitor.model import Notice
from monitor.sources.postfile import read_post

OSLO = ZoneInfo("Europe/Oslo")
#: Held at what the classifier reaches on the 150 dev notices: every field right (field → labels
#: scored; windows only where the label has one). A regression of a single label fails.
SCORED = {
    "category": 150,
    "planned": 150,
    "apis": 150,
    "environment": 150,
    "window start": 32,
    "window end": 21,
}


def _notice(title: str, text: str, published: str = "2022-04-08T12:00") -> Notice:
    return Notice("test", "n1", title, text, "", datetime.fromisoformat(published).replace(tzinfo=OSLO))


def _period(sentence: str, reference: date) -> tuple[str | None, str | None]:
    start, end = bounds(parse_period(tokens(sentence, reference), reference), reference)
    return (
        start.strftime("%Y-%m-%dT%H:%M") if start else None,
        end.strftime("%Y-%m-%dT%H:%M") if end else None,
    )


def test_classify_dev_set_is_right_on_every_field(real_dir: Path) -> None:
    report = evaluate(real_dir / "labels" / "dev.jsonl", None)
    assert report.count == 150 and not report.missing_files
    assert report.misses == []
    assert {name: (score.correct, score.total) for name, score in report.scores.items()} == {
        name: (count, count) for name, count in SCORED.items()
    }


def test_classify_never_calls_an_outage_info_or_api_change(real_dir: Path) -> None:
    labels = [json.loads(line) for line in (real_dir / "labels" / "dev.jsonl").read_text().splitlines()]
    posts = real_dir / "corpus" / "posts"
    missed = [
        (label["id"], got)
        for label in labels
        if label["category"] in ("downtime", "error")
        and (got := classify(read_post(posts / label["id"])).category) in ("info", "api_change")
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("sentence", "reference", "expected"),
    [
        (
            "lørdag 23.04 kl. 16:00 til mandag 02.05 kl. 07:00",
            date(2022, 4, 19),
            ("2022-04-23T16:00", "2022-05-02T07:00"),
        ),
        ("Vedlikehold fra kl 18-22.", date(2022, 4, 8), ("2022-04-08T18:00", "2022-04-08T22:00")),
        ("Tjenestene kan være ustabile i kveld.", date(2017, 10, 26), ("2017-10-26T00:00", None)),
        ("Vedlikeholdet starter i morgen tidlig.", date(2017, 8, 18), ("2017-08-19T00:00", None)),
        ("Fra kl. 16.00, ca. 1 time.", date(2023, 3, 3), ("2023-03-03T16:00", "2023-03-03T17:00")),
        (
            "Laurdag 12. oktober frå kl. 08:00 til kl. 12:00 er tenesta utilgjengeleg.",
            date(2024, 10, 9),
            ("2024-10-12T08:00", "2024-10-12T12:00"),
        ),
        ("fredag 17 til søndag 19 november", date(2017, 11, 13), ("2017-11-17T00:00", "2017-11-19T23:59")),
        (
            "Vedlikeholdet starter kl.0800 i morgen tidlig og forventes avsluttet lørdag kveld kl.2000, "
            "eller senest søndag kl.1600.",
            date(2017, 8, 18),
            ("2017-08-19T08:00", "2017-08-20T16:00"),
        ),
        ("i dag før klokken 1800", date(2017, 9, 28), (None, "2017-09-28T18:00")),
        (
            "11. juni i perioden fra kl 22:00 til 00:00",
            date(2024, 6, 5),
            ("2024-06-11T22:00", "2024-06-12T00:00"),
        ),
        (
            "i perioden onsdag 03.01.24 – fredag 05.01.24",
            date(2023, 12, 13),
            ("2024-01-03T00:00", "2024-01-05T23:59"),
        ),
        ("Nedetiden forlenges til kl. 21:00 i kveld.", date(2023, 11, 16), (None, "2023-11-16T21:00")),
        ("Nytt oppdatert varsel kl. 14.", date(2023, 11, 13), (None, None)),
        ("nede mellom 07.00 og 07.30", date(2024, 10, 15), ("2024-10-15T07:00", "2024-10-15T07:30")),
        ("down søndag 16. mars mellom 10 og 11", date(2025, 3, 11), ("2025-03-16T10:00", "2025-03-16T11:00")),
        ("fra 17 til 19 november", date(2017, 11, 13), ("2017-11-17T00:00", "2017-11-19T23:59")),
        ("fredag 7.mars kl.1800-2200", date(2025, 3, 3), ("2025-03-07T18:00", "2025-03-07T22:00")),
        ("Nedetid 2025-06-14 kl. 08:00–10:00", date(2025, 6, 10), ("2025-06-14T08:00", "2025-06-14T10:00")),
        ("fra kl. 22 i kveld til kl. 02 i natt", date(2025, 4, 10), ("2025-04-10T22:00", "2025-04-11T02:00")),
        (
            "tirsdag 10. desember kl. 18:00–20:00 og torsdag 12. desember kl. 18:00–21:00",
            date(2024, 12, 2),
            ("2024-12-10T18:00", "2024-12-10T20:00"),
        ),
        (
            "mellom klokka 07 og 08 tysdag 24. juni",
            date(2025, 6, 19),
            ("2025-06-24T07:00", "2025-06-24T08:00"),
        ),
        ("er forlenget til søndag 9. juni kl. 20:00", date(2024, 6, 8), (None, "2024-06-09T20:00")),
        (
            "Arbeidet forventes ferdig kl. 10:00, senest kl. 12:00.",
            date(2025, 3, 22),
            (None, "2025-03-22T12:00"),
        ),
    ],
)
def test_parse_period_reads_norwegian_phrases(
    sentence: str, reference: date, expected: tuple[str | None, str | None]
) -> None:
    assert _period(sentence, reference) == expected


def test_classify_window_takes_the_first_period_only() -> None:
    result = classify(
        _notice(
            "Nedetid på tjenester 23.04 og fra 28.04 til 02.05",
            "Skatteetaten skal oppgradere noen systemer lørdag 23.04, og fra torsdag 28.04 kl. 16:00 til "
            "mandag 02.05 kl. 07:00. Tjenestene vil være ustabile og tidvis utilgjengelige.",
            "2022-04-19T09:30",
        )
    )
    assert result.window is not None and (result.window.start, result.window.end) == (
        "2022-04-23T00:00",
        None,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Vedlikeholdet som var planlagt 9. april er utsatt til tirsdag 16. april kl. 18:00-19:00.",
            ("2024-04-16T18:00", "2024-04-16T19:00"),
        ),
        (
            "Status: Planlagt\nPlanlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00\n\n"
            "Planlagt (05.06.2024 kl. 10:30): Tjenestene kan være utilgjengelige i perioden.",
            ("2024-06-11T22:00", "2024-06-12T00:00"),
        ),
        (
            "Nedetiden er flyttet. Ny dato er tirsdag 16. april kl. 18-19.",
            ("2024-04-16T18:00", "2024-04-16T19:00"),
        ),
    ],
)
def test_classify_window_reads_moved_and_status_page_windows(body: str, expected: tuple[str, str]) -> None:
    result = classify(_notice("Vedlikehold", body, "2024-04-02T09:00"))
    assert result.category == "downtime"
    assert result.window is not None and (result.window.start, result.window.end) == expected


def test_classify_planned_when_the_window_is_on_a_later_day() -> None:
    result = classify(
        _notice("Nedetid", "Inntekt API er utilgjengelig søndag 7. april kl. 06-08.", "2024-04-02T09:00")
    )
    assert result.category == "downtime" and result.planned is True


def test_classify_reads_misspelt_downtime_words() -> None:
    body = "Inntekt API vil være utilgjengligt tirsdag 12. april kl.1800-2200 pga oppgradring."
    result = classify(_notice("Nedetdi på Inntekt API", body))
    assert result.category == "downtime"
    assert result.window is not None and (result.window.start, result.window.end) == (
        "2022-04-12T18:00",
        "2022-04-12T22:00",
    )
    assert classify(_notice("Melding", "Det blir ingen nedetdi.")).category != "downtime"


def test_classify_ignores_struck_through_text() -> None:
    result = classify(
        _notice(
            "Planlagt nedetid på Aktiv konto API",
            "OBS: Oppgraderingen er utsatt til 3. eller 4. juni.\n\n~~25. mai kl 18.00 - 19.00~~ skal det "
            "gjennomføres oppgradering, det vil medføre nedetid.",
            "2023-05-25T10:00",
        )
    )
    assert result.window is not None and result.window.start == "2023-06-03T00:00"
    struck = classify(
        _notice("Oppdatering", "~~Det blir nedetid i kveld.~~ Ny versjon av Inntekt API er ute.")
    )
    assert struck.category == "api_change"


def test_classify_reads_feed_html_with_dropped_link_text() -> None:
    html = (
        "<p>Skatteetaten jobber med tilpasninger i skatteoppgjørstjenestene, og nå er <!-- --> oppdatert på "
        "Swaggerhub.</p><p>Se detaljer i <!-- -->.</p>"
    )
    result = classify(
        _notice("Oppdatert Open API spesifikasjon for Spesifisert summert skattegrunnlag API", html)
    )
    assert result.category == "api_change"
    assert result.apis == ("spesifisertsummertskattegrunnlag",)
    assert not any("<!--" in reason for reason in result.reasons)


def test_classify_explains_itself() -> None:
    result = classify(
        _notice("Hasteendring", "Det blir nedetid for Inntektsmottaker i testmiljø fra kl 18-22.")
    )
    joined = " | ".join(result.reasons)
    assert "category downtime: 'nedetid'" in joined
    assert "'Inntektsmottaker' → inntekt" in joined
    assert "environment test: 'testmiljø'" in joined
    assert "2022-04-08T18:00–2022-04-08T22:00" in joined


def test_load_vocabulary_extends_a_group() -> None:
    notice = _notice("Melding", "Det er brannalarm i driftssenteret.")
    assert classify(notice).category == "info"
    vocabulary = load_vocabulary({"error_terms": ("brannalarm",)})
    assert classify(notice, vocabulary).category == "error"
    assert load_vocabulary() is load_vocabulary(None)


def test_validate_vocabulary_names_unknown_groups_and_bad_terms() -> None:
    problems = validate_vocabulary(
        {"downtime_term": ["x"], "error_terms": ["re:(unclosed"], "test_terms": [3]}
    )
    assert problems[0].startswith("vocabulary.downtime_term: unknown group 'downtime_term' (known groups: ")
    assert problems[0].endswith("; did you mean 'downtime_terms'?")
    assert any(problem.startswith("vocabulary.error_terms[0]: bad term") for problem in problems)
    assert any(problem.startswith("vocabulary.test_terms[0]: a term must be text") for problem in problems)
    assert validate_vocabulary({"error_terms": ["brannalarm", "*forsinkelse*"]}) == []
    assert validate_vocabulary(None) == []
    assert validate_vocabulary(["error_terms"]) != []


def test_load_vocabulary_rejects_unknown_groups() -> None:
    with pytest.raises(UserError, match="unknown group 'nope'"):
        load_vocabulary({"nope": ("x",)})


def test_classify_reads_earlier_versions_and_the_stray_duplicate(corpus_dir: Path) -> None:
    paths = sorted((corpus_dir / "posts_versions").glob("*.md")) + sorted(
        (corpus_dir / "posts_extra").glob("*.md")
    )
    results = {path.name: classify(read_post(path)) for path in paths}
    original = results["2023-05-25-Driftsvarsel@378cabf1.md"]  # before it was postponed and struck through
    assert original.window is not None and (original.window.start, original.window.end) == (
        "2023-05-25T18:00",
        "2023-05-25T19:00",
    )
    assert results["2023-11-13-driftsvarsel@b3fd7e98.md"].window is None  # "Nytt oppdatert varsel kl. 14."
    duplicate = results["ROOT__2023-04-27-Vedlikehold.md"]
    assert duplicate.category == "downtime" and duplicate.window is not None
    assert duplicate.window.start == "2023-04-27T18:00"
