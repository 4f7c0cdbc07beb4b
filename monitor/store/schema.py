"""The list of migration sets, one per store area. An area adds its `MIGRATIONS` here."""

from __future__ import annotations

from sqlite_utils import Migrations

MIGRATION_SETS: list[Migrations] = []
