"""Stage-level: served doc pages and specs → fetch → parse → diff → doccheck → stored diffs → history.

The pages are Docusaurus builds of the real markdown (tests/fixtures/apidocs/docusaurus.py); the
variants are what the site really does: a rebuild (new hashes, bundles, timestamps), a
reformatted markdown source, and real content edits.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from fixtures.apidocs.docusaurus import build_page, corpus_source

from monitor.cli.main import main
from monitor.config.types import SourceConfig
from monitor.demo.localserver import LocalServer, Route
from monitor.diff import diff
from monitor.docs.apidiff import section_diff
from monitor.docs.check import assess, describe_change
from monitor.fetch import fetch
from monitor.model import Change, Notice
from monitor.sources import parse_body
from monitor.store import open_db
from monitor.store.diffs import diffs_for, record_diff
from monitor.store.notices import commit_poll, notice_key, stored_notices

SPECS = Path(__file__).parent / "fixtures" / "openapi"
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
NEW_ROW = "| SSG-012  | 400             | Ugyldig stadie oppgitt." + " " * 59 + "|"


@pytest.fixture()
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture()
def markdown(corpus_dir: Path) -> str:
    return corpus_source(corpus_dir / "apidocs", "summertskattegrunnlag")


class Poller:
    """What the pipeline does for a doc/spec source, with the real stages and a temp database."""

    def __init__(self, db: sqlite_utils.Database, source: SourceConfig) -> None:
        self.db, self.source, self.now = db, source, START

    def poll(self) -> list[Change]:
        result = fetch(self.source.url, timeout=5)
        assert result.ok, result.error
        notices = parse_body(result.body, self.source, result.content_type)
        changes = diff(stored_notices(self.db, self.source.name), notices, complete=True)
        self.now += timedelta(hours=1)
        reports = {change.notice.notice_id: assess(change, self.source) for change in changes}
        classifications = {notice_id: report.classification for notice_id, report in reports.items()}
        seen = [notice.notice_id for notice in notices]
        commit_poll(self.db, self.source.name, changes, classifications, [], self.now, seen=seen)
        for change in changes:
            report = reports[change.notice.notice_id]
            record_diff(self.db, key=notice_key(change.notice), version=change.version,
                        change_kind=change.kind, source=self.source.name, kind=report.diff_kind,
                        breaking=report.breaking, text=report.body, now=self.now)  # fmt: skip
        return changes


def _serve_page(
    server: LocalServer, source_md: str, *, build: str = "a", built_at: str = "2025-09-02T08:14:07Z"
) -> bytes:
    body = build_page(source_md, build=build, built_at=built_at).encode()
    server.route("/api-dokumentasjon/api/summertskattegrunnlag", Route(body, "text/html; charset=utf-8"))
    return body


def _reformatted(source_md: str) -> str:
    """The same document, reformatted: tables re-padded, paragraphs re-wrapped, code re-indented."""
    out: list[str] = []
    in_code = False
    for line in source_md.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            out.append(line)
        elif in_code:
            out.append("    " + line + "\t")
        elif stripped.startswith("|"):
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            separator = all(set(cell) <= set("-: ") for cell in cells)
            out.append("|" + "|".join("---" if separator else f"  {cell} " for cell in cells) + "|")
        elif re.match(r"^[A-ZÆØÅa-zæøå]", line) and len(line) > 70:
            wrapped = textwrap.wrap(line, 48, break_on_hyphens=False, break_long_words=False)
            safe = not any(re.match(r"^([*+>|#-]|\d+\.|<)", part) for part in wrapped[1:])
            out.extend(wrapped if safe else [line])
        elif stripped.startswith("#"):
            out.extend([line + "   ", ""])
        else:
            out.append(line)
    return "\n".join(out) + "\n\n"


def test_doc_page_rebuild_and_reformat_send_nothing(
    tmp_path: Path, server: LocalServer, markdown: str
) -> None:
    source = SourceConfig("doc-ssg", "docpage", server.url("/api-dokumentasjon/api/summertskattegrunnlag"),
                          api="summertskattegrunnlag")  # fmt: skip
    poller = Poller(open_db(tmp_path / "state.db"), source)
    original = _serve_page(server, markdown)
    baseline = poller.poll()
    assert len(baseline) == 29 and {change.kind for change in baseline} == {"new"}

    rebuilt = _serve_page(server, markdown, build="2025-10-14-rebuild", built_at="2025-10-14T21:03:55Z")
    assert rebuilt != original and b"main." in rebuilt
    assert poller.poll() == []

    reformatted = _serve_page(server, _reformatted(markdown))
    assert reformatted != original
    assert poller.poll() == []


def test_doc_page_content_edit_changes_exactly_that_section(
    tmp_path: Path, server: LocalServer, markdown: str
) -> None:
    source = SourceConfig("doc-ssg", "docpage", server.url("/api-dokumentasjon/api/summertskattegrunnlag"),
                          api="summertskattegrunnlag")  # fmt: skip
    poller = Poller(open_db(tmp_path / "state.db"), source)
    _serve_page(server, markdown)
    poller.poll()

    last_row = next(line for line in markdown.splitlines() if line.startswith("| SSG-011"))
    _serve_page(server, markdown.replace(last_row, last_row + "\n" + NEW_ROW), build="b")
    [change] = poller.poll()
    assert change.kind == "edited" and change.notice.notice_id.endswith("#feilkoder")
    readable = section_diff(change.previous, change.notice)
    assert readable.section == "Feilkoder" and (readable.added, readable.removed) == (1, 0)
    assert "+ | SSG-012 | 400 | Ugyldig stadie oppgitt. |" in readable.lines
    assert "  | SSG-011 | 410 | Skattegrunnlag finnes ikke lenger. |" in readable.lines
    assert len(readable.lines) <= 20
    classification, body = describe_change(change, source)
    assert classification.category == "api_change"
    assert classification.apis == ("summertskattegrunnlag",)
    assert classification.environment == "unspecified"
    assert classification.reasons == ("dokumentasjonsendring: 1 linje endret i «Feilkoder»",)
    assert body.startswith("Endret seksjon «Feilkoder» i dokumentasjonen for Summert skattegrunnlag API")
    assert "+ | SSG-012 | 400 | Ugyldig stadie oppgitt. |" in body


def test_doc_page_changed_url_and_removed_section(tmp_path: Path, server: LocalServer, markdown: str) -> None:
    source = SourceConfig("doc-ssg", "docpage", server.url("/api-dokumentasjon/api/summertskattegrunnlag"),
                          api="summertskattegrunnlag")  # fmt: skip
    poller = Poller(open_db(tmp_path / "state.db"), source)
    _serve_page(server, markdown)
    poller.poll()
    old_url = "https://app.swaggerhub.com/apis/skatteetaten/summert-skattegrunnlag-api)"
    edited = markdown.replace(old_url, old_url.replace("-api)", "-api/2.0.0)"))
    xml_section = edited[edited.index("## XML") : edited.index("## Tilleggsinformasjon")]
    _serve_page(server, edited.replace(xml_section, ""), build="c")
    changes = {change.notice.notice_id.split("#")[1]: change for change in poller.poll()}
    assert {slug: change.kind for slug, change in changes.items()} == {
        "teknisk-spesifikasjon": "edited",
        "xml": "removed",
    }
    _, body = describe_change(changes["teknisk-spesifikasjon"], source)
    assert (
        "+ URL-er til API-et, beskrivelsen av parameterne, endepunkter og respons ligger i [Open API " in body
    )
    assert "summert-skattegrunnlag-api/2.0.0)" in body
    _, removed_body = describe_change(changes["xml"], source)
    assert removed_body.startswith(
        "Seksjonen «XML» er fjernet fra dokumentasjonen for Summert skattegrunnlag API"
    )
    assert "- Dersom man ønsker XML" in removed_body


def _serve_spec(server: LocalServer, name: str, body: bytes | None = None) -> None:
    content_type = "application/json" if name.endswith(".json") else "application/yaml"
    server.route("/spec", Route(body if body is not None else (SPECS / name).read_bytes(), content_type))


@pytest.mark.parametrize(
    ("api", "old", "new", "breaking", "reason", "environment"),
    [
        ("summertskattegrunnlag", "summertskattegrunnlag-v1.yaml", "summertskattegrunnlag-v2.json", True,
         "OpenAPI: 5 brytende endringer, 7 ikke-brytende", "both"),
        ("inntekt", "inntekt-2023.yaml", "inntekt-2024.yaml", False,
         "OpenAPI: 0 brytende endringer, 4 ikke-brytende", "both"),
        ("beregnetskatt", "beregnetskatt-v2-2024-01.yaml", "beregnetskatt-v2-2024-10.yaml", True,
         "OpenAPI: 2 brytende endringer, 0 ikke-brytende", "both"),
    ],
)  # fmt: skip
def test_spec_change_is_classified_and_stored(
    tmp_path: Path,
    server: LocalServer,
    api: str,
    old: str,
    new: str,
    breaking: bool,
    reason: str,
    environment: str,
) -> None:
    source = SourceConfig(f"spec-{api}", "openapi", server.url("/spec"), api=api)
    db = open_db(tmp_path / "state.db")
    poller = Poller(db, source)
    _serve_spec(server, old)
    assert [change.kind for change in poller.poll()] == ["new"]
    reserialised = json.dumps(yaml.safe_load((SPECS / old).read_text(encoding="utf-8")), indent=1).encode()
    _serve_spec(server, "again.json", reserialised)
    assert poller.poll() == []

    _serve_spec(server, new)
    [change] = poller.poll()
    report = assess(change, source)
    assert report.classification.category == "api_change"
    assert report.classification.apis == (api,)
    assert report.classification.reasons == (reason,)
    assert report.classification.environment == environment
    assert report.breaking is breaking and report.diff_kind == "spec"
    [stored] = [row for row in diffs_for(db, notice_key(change.notice)) if row.version == 2]
    assert stored.breaking is breaking and stored.text == report.body
    assert ("BRYTENDE: " in stored.text) is breaking


def test_history_shows_versions_and_diffs(
    tmp_path: Path, server: LocalServer, markdown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    page_url = server.url("/api-dokumentasjon/api/summertskattegrunnlag")
    source = SourceConfig("doc-ssg", "docpage", page_url, api="summertskattegrunnlag")
    poller = Poller(open_db(tmp_path / "state.db"), source)
    _serve_page(server, markdown)
    poller.poll()
    last_row = next(line for line in markdown.splitlines() if line.startswith("| SSG-011"))
    _serve_page(server, markdown.replace(last_row, last_row + "\n" + NEW_ROW))
    poller.poll()

    assert main(["history", "--db", str(tmp_path / "state.db"), f"doc-ssg:{page_url}#feilkoder"]) == 0
    output = capsys.readouterr().out
    assert output.splitlines()[:2] == [
        f"doc-ssg:{page_url}#feilkoder",
        "  Summert skattegrunnlag API – Feilkoder",
    ]
    assert "  v1  2026-03-02 09:00 +01:00  new  [api_change]" in output  # 08:00 UTC
    assert "  v2  2026-03-02 10:00 +01:00  edited  [api_change]" in output
    assert "      + | SSG-012 | 400 | Ugyldig stadie oppgitt. |" in output

    assert main(["history", "--db", str(tmp_path / "state.db"), page_url]) == 0
    whole_page = capsys.readouterr().out
    assert f"doc-ssg:{page_url}#scope" in whole_page and "+ | SSG-012" in whole_page
    assert main(["history", "--db", str(tmp_path / "state.db"), "summertskattegrunnlag"]) == 0
    assert capsys.readouterr().out == whole_page

    assert main(["history", "--db", str(tmp_path / "state.db"), "https://example.invalid/none"]) == 1
    assert "Error: nothing stored matches" in capsys.readouterr().err


def test_section_diff_is_short_and_counts_the_rest() -> None:
    rows = [f"| SSG-{number:03} | 500 | Feil {number}. |" for number in range(1, 41)]
    old = Notice(
        "doc", "u#feilkoder", "Summert skattegrunnlag API – Feilkoder", "\n".join(rows), "u#feilkoder"
    )
    new = Notice(
        "doc", "u#feilkoder", old.title, "\n".join(row.replace("500", "503") for row in rows), old.link
    )
    readable = section_diff(old, new)
    assert (readable.added, readable.removed) == (40, 40)
    assert len(readable.lines) == 20 and readable.omitted == 60
    assert readable.text.endswith("… (60 linjer til)")
    restored = describe_change(Change("edited", new, 3, previous=new), _doc_source())[1]
    assert restored == (
        "Seksjonen «Feilkoder» er tilbake i dokumentasjonen for Summert skattegrunnlag API, "
        "med uendret tekst."
    )


def _doc_source() -> SourceConfig:
    url = "https://skatteetaten.github.io/api-dokumentasjon/api/summertskattegrunnlag"
    return SourceConfig("doc-ssg", "docpage", url, api="summertskattegrunnlag")
