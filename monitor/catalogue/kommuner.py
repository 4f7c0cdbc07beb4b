"""Norway's 357 kommuner (SSB classification 131, 2024 numbers), from the packaged CSV.

The file is `monitor/data/kommuner.csv` (see shared/data/kommuner.README.md): kommunenummer as
four-digit text with a leading zero, the Norwegian name, county, and the official (possibly
Sami/Kven combined) name. Names are not unique (Herøy, Våler appear twice); numbers are.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

DATA_FILE = "kommuner.csv"


@dataclass(frozen=True)
class Kommune:
    number: str
    name: str
    county_number: str
    county_name: str
    official_name: str


@functools.cache
def load_kommuner() -> dict[str, Kommune]:
    """kommunenummer → Kommune, read once from the package data."""
    text = resources.files("monitor").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    kommuner: dict[str, Kommune] = {}
    for row in csv.DictReader(io.StringIO(text)):
        kommune = Kommune(
            number=row["kommunenummer"],
            name=row["navn"],
            county_number=row["fylkesnummer"],
            county_name=row["fylkesnavn"],
            official_name=row["navn_offisielt"],
        )
        kommuner[kommune.number] = kommune
    return kommuner


def kommune_name(number: str) -> str | None:
    """The Norwegian name of kommune `number` ("0301" → "Oslo"), or None when no such kommune."""
    kommune = load_kommuner().get(number)
    return None if kommune is None else kommune.name


def numbers_named(name: str) -> list[str]:
    """The kommunenummer of every kommune called `name` (Norwegian or official name, any case)."""
    wanted = name.strip().casefold()
    return [
        kommune.number
        for kommune in load_kommuner().values()
        if wanted in (kommune.name.casefold(), kommune.official_name.casefold())
    ]


def name_matches(number: str, name: str) -> bool:
    """True when `name` is kommune `number`'s Norwegian or official name (any case)."""
    return number in numbers_named(name)
