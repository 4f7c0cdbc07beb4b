"""Reading post files: front matter, dates from the front matter or the file name, bad files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import UserError
from monitor.sources.postfile import read_post

OSLO = ZoneInfo("Europe/Oslo")


def test_read_post_reads_front_matter_and_body(corpus_dir: Path) -> None:
    notice = read_post(corpus_dir / "posts" / "2024-05-08-Driftsproblemer.md")
    assert notice.notice_id == "2024-05-08-Driftsproblemer.md"
    assert notice.source == "file"
    assert notice.title == "Driftsmelding - Driftsproblemer 08.05.2024"
    assert notice.text.startswith("Det er for tiden problemer med tjenestene våre.")
    assert notice.published == datetime(2024, 5, 8, 11, 10, tzinfo=OSLO)


def test_read_post_takes_date_and_time_from_the_file_name(corpus_dir: Path) -> None:
    notice = read_post(corpus_dir / "posts" / "2022-04-19-14-50-nedetid.md")
    assert notice.published == datetime(2022, 4, 19, 14, 50, tzinfo=OSLO)
    assert notice.tags == ("news",)
    legacy = read_post(corpus_dir / "posts" / "2018-07-31-1320-fortsatt-nedetid-prod.md")
    assert legacy.published == datetime(2018, 7, 31, 13, 20, tzinfo=OSLO)
    short = read_post(corpus_dir / "posts" / "2018-1-19-endring-detaljertskattegrunnlag-api.md")
    assert short.published == datetime(2018, 1, 19, tzinfo=OSLO)


def test_read_post_handles_every_corpus_date_format(corpus_dir: Path) -> None:
    offset = read_post(corpus_dir / "posts" / "2022-12-19-aarsrevisjon-inntekt.md")
    assert offset.published == datetime(2022, 12, 19, 14, 0, tzinfo=OSLO)  # 15:00 +02:00
    minutes_only = read_post(corpus_dir / "posts" / "2023-11-09-beregnetskatt-v2.md")
    assert minutes_only.published == datetime(2023, 11, 8, 13, 35, tzinfo=OSLO)
    for path in sorted((corpus_dir / "posts").glob("*.md")):
        notice = read_post(path)
        assert notice.title and notice.published is not None and notice.published.tzinfo is not None


def test_read_post_accepts_an_unquoted_title_with_a_colon(tmp_path: Path) -> None:
    path = tmp_path / "2024-02-02-x.md"
    path.write_text(
        "---\ntitle: Driftsvarsel: problemer: løst\ntags: [Drift]\n---\nAlt er bra.\n", encoding="utf-8"
    )
    notice = read_post(path)
    assert notice.title == "Driftsvarsel: problemer: løst"
    assert notice.published == datetime(2024, 2, 2, tzinfo=OSLO)


def test_read_post_ignores_a_bad_front_matter_date(tmp_path: Path) -> None:
    path = tmp_path / "2024-03-04-10-15-x.md"
    path.write_text('---\ntitle: "T"\ndate: not a date\n---\nTekst\n', encoding="utf-8")
    assert read_post(path).published == datetime(2024, 3, 4, 10, 15, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"---\ntitle: x\nno closing line\n", "never closed"),
        (b"---\n- a\n- b\n---\nbody\n", "front matter must be"),
        (b"---\ntitle: \xff\xfe\n---\n", "not UTF-8"),
    ],
)
def test_read_post_rejects_bad_files_naming_them(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(UserError, match=problem) as caught:
        read_post(path)
    assert str(path) in str(caught.value)


def test_read_post_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        read_post(tmp_path / "missing.md")
