"""Documentation and OpenAPI changes through the whole pipeline: the docpage and openapi sources in
rules.yaml → poll → "API change" alerts with a readable diff, delivered only to the kommuner that
use the documented API; a rebuild of the page sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.apidocs.docusaurus import build_page, corpus_source
from test_end_to_end import World

from monitor.demo.localserver import Route
from monitor.store import outbox

SPECS = Path(__file__).parent / "fixtures" / "openapi"
DOC_PATH = "/api-dokumentasjon/api/inntekt"
SPEC_PATH = "/specs/summertskattegrunnlag"
SOURCES = """\
  - {{name: doc-inntekt, kind: docpage, url: "{doc}", api: inntekt, interval_seconds: 1}}
  - {{name: spec-ssg, kind: openapi, url: "{spec}", api: summertskattegrunnlag, interval_seconds: 1}}"""


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from monitor.demo.localserver import LocalServer

    with LocalServer() as docs:
        sources = SOURCES.format(doc=docs.url(DOC_PATH), spec=docs.url(SPEC_PATH))
        instance = World(tmp_path, real_dir, monkeypatch, sources=sources)
        instance.docs = docs  # type: ignore[attr-defined]
        yield instance
        instance.close()


def serve(world: World, markdown: str, spec: str, *, build: str = "a") -> None:
    docs = world.docs  # type: ignore[attr-defined]
    docs.route(DOC_PATH, Route(build_page(markdown, build=build).encode(), "text/html; charset=utf-8"))
    content_type = "application/json" if spec.endswith(".json") else "application/yaml"
    docs.route(SPEC_PATH, Route((SPECS / spec).read_bytes(), content_type))


def bodies_of(world: World, source: str) -> list[str]:
    """The message bodies of the outbox items a source caused."""
    return [
        item.message.body
        for item in outbox.list_items(world.db)
        if (item.notice_key or "").startswith(f"{source}:")
    ]


def subjects(world: World, source: str) -> dict[str, list[str]]:
    """kommune/channel → subjects of the alerts a source caused."""
    rows = world.db.execute(
        "SELECT kommune, channel, message FROM outbox WHERE notice_key LIKE ? AND state = 'done'",
        [f"{source}:%"],
    ).fetchall()
    found: dict[str, list[str]] = {}
    for kommune, channel, message in rows:
        found.setdefault(f"{kommune}/{channel}", []).append(json.loads(message)["subject"])
    return found


def test_doc_and_spec_changes_reach_only_the_kommuner_using_that_api(world: World, corpus_dir: Path) -> None:
    markdown = corpus_source(corpus_dir / "apidocs", "inntekt")
    serve(world, markdown, "summertskattegrunnlag-v1.yaml")
    world.poll_and_deliver()
    assert world.received() == {}, "the first poll of a page is a quiet baseline"

    serve(world, markdown, "summertskattegrunnlag-v1.yaml", build="rebuild-2")
    world.poll_and_deliver()
    assert world.received() == {}, "a rebuild (new hashes, bundles) is not a change"

    paragraph = next(line for line in markdown.splitlines() if len(line) > 80 and line[0].isalpha())
    edited = markdown.replace(paragraph, paragraph + " Fra 2025 kreves parameteren tilOgMed.", 1)
    serve(world, edited, "summertskattegrunnlag-v2.json", build="b")
    world.poll_and_deliver()

    doc = subjects(world, "doc-inntekt")
    # Inntekt API: Oslo (kommuneBoligsosialeFormaal) and Bergen (saernamsmann); not Tromsø.
    assert set(doc) == {"0301/slack", "0301/epost", "4601/teams"}
    assert all(len(found) == 1 and "API-endring" in found[0] for found in doc.values())

    spec = subjects(world, "spec-ssg")
    # Summert skattegrunnlag: Oslo (foreldrebetaling, boligsosiale) and Bergen (langtidsopphold).
    assert set(spec) == {"0301/slack", "0301/epost", "4601/teams"}
    # Bodies are stored once per fan-out (outbox_bodies); the store puts them back in the message.
    bodies = bodies_of(world, "spec-ssg")
    assert len(bodies) == 3
    assert all("BRYTENDE" in body and "stadie" in body for body in bodies)
    doc_bodies = bodies_of(world, "doc-inntekt")
    assert len(doc_bodies) == 3
    assert all("+ " in body and "tilOgMed" in body for body in doc_bodies)
    assert len(doc_bodies[0]) < 3000, "the alert carries the diff, not the whole page"


def test_removed_doc_section_is_a_breaking_api_change_for_its_users(world: World, corpus_dir: Path) -> None:
    markdown = corpus_source(corpus_dir / "apidocs", "inntekt")
    serve(world, markdown, "summertskattegrunnlag-v1.yaml")
    world.poll_and_deliver()
    start = markdown.index("## Støttetjeneste")
    end = markdown.index("## ", start + 3)
    serve(world, markdown[:start] + markdown[end:], "summertskattegrunnlag-v1.yaml", build="c")
    world.poll_and_deliver()

    doc = subjects(world, "doc-inntekt")
    assert set(doc) == {"0301/slack", "0301/epost", "4601/teams"}
    [row] = world.db.execute(
        "SELECT breaking, text FROM diffs WHERE source = 'doc-inntekt' AND change_kind = 'removed'"
    ).fetchall()
    assert row[0] == 1 and "Støttetjeneste" in row[1] and "fjernet" in row[1]
    assert spec_untouched(world)


def spec_untouched(world: World) -> bool:
    return not subjects(world, "spec-ssg")
