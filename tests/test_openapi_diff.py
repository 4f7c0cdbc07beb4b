"""openapi parser (canonical text) and apidiff.spec_diff on spec pairs mirroring documented changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config.types import SourceConfig
from monitor.docs.apidiff import spec_diff
from monitor.sources import PARSERS, SourceFormatError
from monitor.sources.openapi import canonical_text, parse

SPECS = Path(__file__).parent / "fixtures" / "openapi"
STADIE_PATH = "GET /{stadie}/{rettighetspakke}/{inntektsaar}/{personidentifikator}"
OLD_PATH = "GET /{rettighetspakke}/{inntektsaar}/{personidentifikator}"


def _source(name: str = "spec-summertskattegrunnlag") -> SourceConfig:
    return SourceConfig(
        name=name, kind="openapi", url="http://127.0.0.1/spec.yaml", api="summertskattegrunnlag"
    )


def _text(name: str) -> str:
    [notice] = parse((SPECS / name).read_bytes(), _source())
    return notice.text


def _spec(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((SPECS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_parse_is_registered_for_openapi_sources() -> None:
    assert PARSERS["openapi"] is parse


def test_parse_gives_one_notice_with_canonical_json() -> None:
    [notice] = parse(
        (SPECS / "summertskattegrunnlag-v2.json").read_bytes(), _source(), content_type="application/json"
    )
    assert notice.notice_id == "http://127.0.0.1/spec.yaml#openapi"
    assert notice.title == "Summert skattegrunnlag API (OpenAPI 2.0.0)"
    canonical = json.loads(notice.text)
    assert canonical["servers"] == [
        "https://summertskattegrunnlag.api.skatteetaten-test.no/v2",
        "https://summertskattegrunnlag.api.skatteetaten.no/v2",
    ]
    assert canonical["operations"][STADIE_PATH]["parameters"]["path:stadie"] == {
        "required": True,
        "schema": {"enum": ["fastsatt", "oppgjoer", "utkast"], "type": "string"},
    }
    assert "description" not in notice.text and "example" not in notice.text


def test_parse_ignores_serialisation_key_order_and_prose() -> None:
    original = _spec("summertskattegrunnlag-v1.yaml")
    reworded = copy.deepcopy(original)
    reworded["info"]["description"] = "Ny beskrivelse av tjenesten."
    reworded["components"]["parameters"]["rettighetspakke"]["description"] = "Omskrevet."
    reworded["paths"] = dict(reversed(list(reworded["paths"].items())))
    as_json = json.dumps(reworded, indent=4, ensure_ascii=False).encode()
    [notice] = parse(as_json, _source())
    assert notice.text == _text("summertskattegrunnlag-v1.yaml")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"openapi: 3.0.1\npaths:\n  /x:\n    get: {responses: {'200': {description: ok}\n",
            "not valid JSON or YAML",
        ),
        (b'{"openapi": "3.0.1", "paths": {', "not valid JSON or YAML"),
        (
            b"<!doctype html><html><head><title>SwaggerHub</title></head><body></body></html>",
            "not an OpenAPI",
        ),
        (b'{"message": "Not Found"}', "not an OpenAPI"),
        (b'{"openapi": "3.0.1", "info": {"title": "x"}}', "no 'paths'"),
    ],
)
def test_parse_rejects_a_broken_spec(body: bytes, message: str) -> None:
    with pytest.raises(SourceFormatError, match=message):
        parse(body, _source())


def test_spec_diff_stadie_mandatory_is_breaking() -> None:
    diff = spec_diff(_text("summertskattegrunnlag-v1.yaml"), _text("summertskattegrunnlag-v2.json"))
    by_kind = {change.kind: change for change in diff.changes}
    stadie = by_kind["path_parameter_required"]
    assert stadie.breaking and stadie.location == OLD_PATH
    assert stadie.description.startswith(f"Parameter «stadie» er nå påkrevd i {OLD_PATH}")
    kategori = by_kind["type_changed"]
    assert kategori.breaking and "«grunnlag[].kategori»" in kategori.description
    assert "fra array til string" in kategori.description
    removed = [change for change in diff.changes if change.kind == "field_removed"]
    assert [change.description for change in removed] == [
        f"Felt «registreringstidpunkt» er fjernet fra svar 200 fra {STADIE_PATH}"
    ]
    added = {
        change.description.split("»")[0].split("«")[1]
        for change in diff.changes
        if change.kind == "field_added"
    }
    assert added == {
        "ajourholdstidspunkt",
        "skjoennsfastsatt",
        "svalbardSkjoennsfastsatt",
        "grunnlag[].andelSkattefritt",
        "grunnlag[].andelOverfoertFraBarn",
    }
    assert [change.breaking for change in diff.changes if change.kind == "field_added"] == [False] * 5


def test_spec_diff_new_income_year_is_non_breaking() -> None:
    diff = spec_diff(_text("inntekt-2023.yaml"), _text("inntekt-2024.yaml"))
    assert diff.breaking == ()
    kinds = sorted(change.kind for change in diff.changes)
    assert kinds == ["enum_value_added"] * 3 + ["version_changed"]
    pensjon = next(change for change in diff.changes if "pensjonEllerTrygdBeskrivelse" in change.description)
    assert pensjon.description.endswith(
        "nye verdier «barnepensjonFra2024», «barnepensjonFraAndreEnnFolketrygdenFra2024», "
        "«ipaEllerIpsBarnepensjonFra2024»"
    )


def test_spec_diff_host_move_is_breaking() -> None:
    diff = spec_diff(_text("beregnetskatt-v2-2024-01.yaml"), _text("beregnetskatt-v2-2024-10.yaml"))
    assert [(change.kind, change.breaking) for change in diff.changes] == [("server_changed", True)] * 2
    assert diff.changes[1].description == (
        "Server endret fra https://api.skatteetaten.no/api/formueinntekt/beregnetskatt/v2 "
        "til https://beregnetskatt.api.skatteetaten.no/v2"
    )


def test_spec_diff_of_identical_specs_is_empty() -> None:
    text = _text("summertskattegrunnlag-v2.json")
    assert spec_diff(text, text).changes == ()


def _mutated(change: Any) -> tuple[str, str]:
    old = _spec("beregnetskatt-v2-2024-10.yaml")
    new = copy.deepcopy(old)
    change(new)
    return canonical_text(old), canonical_text(new)


def test_spec_diff_parameter_rules() -> None:
    def edit(spec: dict[str, Any]) -> None:
        parameters = spec["paths"]["/{rettighetspakke}/{inntektsaar}/{personidentifikator}"]["get"][
            "parameters"
        ]
        parameters.append({"name": "stadie", "in": "query", "required": True, "schema": {"type": "string"}})
        parameters.append({"name": "format", "in": "query", "schema": {"type": "string"}})
        parameters[1]["schema"] = {"type": "integer"}

    diff = spec_diff(*_mutated(edit))
    summary = {(change.kind, change.breaking) for change in diff.changes}
    assert summary == {("parameter_added", True), ("parameter_added", False), ("type_changed", True)}


def test_spec_diff_parameter_made_required_and_enum_value_removed() -> None:
    old = _spec("summertskattegrunnlag-v2.json")
    new = copy.deepcopy(old)
    new["components"]["parameters"]["korrelasjonsid"]["required"] = True
    new["components"]["parameters"]["stadie"]["schema"]["enum"] = ["oppgjoer", "utkast"]
    diff = spec_diff(canonical_text(old), canonical_text(new))
    descriptions = [change.description for change in diff.breaking]
    assert f"Parameter «Korrelasjonsid» er nå påkrevd i {STADIE_PATH}" in descriptions
    assert f"Innholdet i Parameter «stadie» i {STADIE_PATH}: verdi «fastsatt» er fjernet" in descriptions


def test_spec_diff_follows_refs_through_cycles() -> None:
    def spec(extra: dict[str, Any]) -> dict[str, Any]:
        ref = {"$ref": "#/components/schemas/Node"}
        properties = {"navn": {"type": "string"}, "barn": {"type": "array", "items": ref}, "forelder": ref}
        node = {"type": "object", "properties": {**properties, **extra}}
        response = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
        return {
            "openapi": "3.1.0",
            "paths": {"/tre": {"get": {"responses": {"200": response}}}},
            "components": {"schemas": {"Node": node}},
        }

    diff = spec_diff(canonical_text(spec({})), canonical_text(spec({"alder": {"type": "integer"}})))
    assert [change.description for change in diff.changes] == [
        "Felt «alder» er lagt til i svar 200 fra GET /tre"
    ]


def test_spec_diff_reads_swagger_2() -> None:
    def spec(host: str) -> dict[str, Any]:
        return {
            "swagger": "2.0",
            "host": host,
            "basePath": "/api/formueinntekt/beregnetskatt/v2",
            "schemes": ["https"],
            "paths": {
                "/{id}": {
                    "get": {
                        "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
                        "responses": {"200": {"schema": {"$ref": "#/definitions/B"}}},
                    }
                }
            },  # fmt: skip
            "definitions": {"B": {"type": "object", "properties": {"skjermet": {"type": "boolean"}}}},
        }

    new = spec("beregnetskatt.api.skatteetaten.no")
    new["definitions"]["B"]["properties"]["skjermet"]["type"] = "string"
    diff = spec_diff(canonical_text(spec("api.skatteetaten.no")), canonical_text(new))
    assert [change.kind for change in diff.changes] == ["server_changed", "type_changed"]


def test_spec_diff_new_and_removed_spec() -> None:
    text = _text("inntekt-2024.yaml")
    assert [change.kind for change in spec_diff("", text).changes] == ["spec_added"]
    assert spec_diff(text, "").breaking[0].kind == "spec_removed"


def test_summary_lines_puts_breaking_first_and_limits_length() -> None:
    diff = spec_diff(_text("summertskattegrunnlag-v1.yaml"), _text("summertskattegrunnlag-v2.json"))
    lines = diff.summary_lines(limit=6)
    assert len(lines) == 7 and lines[-1] == "… (6 endringer til)"
    assert all(line.startswith("BRYTENDE: ") for line in lines[:5])
    assert lines[5].startswith("Ikke-brytende: ")
