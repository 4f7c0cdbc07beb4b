"""monitor.catalogue: rettighetspakke → scopes → APIs (apis) and the packaged SSB list (kommuner)."""

from __future__ import annotations

import pytest

from monitor.catalogue import apis as catalogue
from monitor.catalogue import kommuner
from monitor.model import KOMMUNE_APIS


def test_apis_for_boligsosiale_gives_inntekt_and_summert() -> None:
    assert catalogue.apis_for(["kommuneBoligsosialeFormaal"]) == {
        "inntekt": ["kommuneBoligsosialeFormaal"],
        "summertskattegrunnlag": ["kommuneBoligsosialeFormaal"],
    }


def test_apis_for_saernamsmann_includes_retired_spesifisert_and_its_successor() -> None:
    assert set(catalogue.apis_for(["saernamsmann"])) == {
        "inntekt",
        "spesifisertsummertskattegrunnlag",
        "summertskattegrunnlag",
    }


def test_apis_for_collects_every_rettighetspakke_per_api() -> None:
    result = catalogue.apis_for(["kommuneForeldrebetaling", "kommuneLangtidsoppholdInstitusjon"])
    assert result == {
        "beregnetskatt": ["kommuneLangtidsoppholdInstitusjon"],
        "summertskattegrunnlag": ["kommuneForeldrebetaling", "kommuneLangtidsoppholdInstitusjon"],
    }
    assert list(result) == sorted(result)


def test_apis_for_is_case_insensitive_and_returns_canonical_names() -> None:
    assert catalogue.apis_for(["KommuneEiendomsskatt"]) == {
        "formuesgrunnlageiendomsskatt": ["kommuneEiendomsskatt"]
    }
    assert catalogue.apis_for(["KOMMUNEPRAKTISKBISTAND"]) == {"beregnetskatt": ["kommunePraktiskBistand"]}


def test_apis_for_unknown_rettighetspakke_raises() -> None:
    with pytest.raises(catalogue.UnknownRettighetspakke):
        catalogue.apis_for(["nav"])


def test_suggest_rettighetspakke_finds_a_misspelling() -> None:
    assert catalogue.suggest_rettighetspakke("kommuneforeldrebetalin") == "kommuneForeldrebetaling"
    assert catalogue.suggest_rettighetspakke("xyz") is None


def test_catalogue_covers_exactly_the_kommune_apis_with_display_names() -> None:
    apis = {api for scopes in catalogue.SCOPE_APIS.values() for api in scopes}
    assert apis == set(KOMMUNE_APIS) == set(catalogue.API_NAMES)
    assert catalogue.api_display_name("inntekt") == "Inntekt API"
    assert "sanert" in catalogue.api_display_name("spesifisertsummertskattegrunnlag")


def test_scopes_for_langtidsopphold() -> None:
    assert catalogue.scopes_for("kommunelangtidsoppholdinstitusjon") == (
        "skatteetaten:summertskattegrunnlag",
        "skatteetaten:beregnetskatt",
    )


def test_load_kommuner_reads_all_357_with_leading_zero() -> None:
    table = kommuner.load_kommuner()
    assert len(table) == 357
    assert table["0301"].name == "Oslo"
    assert kommuner.kommune_name("5501") == "Tromsø"
    assert kommuner.kommune_name("0302") is None


def test_numbers_named_handles_duplicate_and_official_names() -> None:
    assert sorted(kommuner.numbers_named("herøy")) == ["1515", "1818"]
    assert kommuner.numbers_named("Guovdageaidnu - Kautokeino") == kommuner.numbers_named("Kautokeino")
    assert kommuner.name_matches("4601", "bergen")
    assert not kommuner.name_matches("0301", "Bergen")
