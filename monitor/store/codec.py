"""Conversions between the model's frozen dataclasses and SQLite rows / JSON text.

Times are stored as ISO-8601 UTC strings of fixed width ("2026-11-26T14:35:51Z"), so SQL can
compare them as text. Naive datetimes are taken to be UTC (the model promises aware ones; this
keeps a stray naive value from failing a whole commit).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from monitor.model import Category, Classification, Environment, Message, Notice, Window

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment: datetime) -> str:
    """`moment` as a fixed-width ISO-8601 UTC string, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def iso_up(moment: datetime) -> str:
    """Like `iso`, rounded up to the next whole second: "not before" times stay not before."""
    if moment.microsecond:
        moment = moment + timedelta(microseconds=1_000_000 - moment.microsecond)
    return iso(moment)


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def parse_iso(text: str | None) -> datetime | None:
    """The aware UTC datetime stored as `text`, or None for NULL."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def require_iso(text: str) -> datetime:
    moment = parse_iso(text)
    assert moment is not None
    return moment


def notice_version_row(key: str, version: int, notice: Notice) -> dict[str, Any]:
    """The `notice_versions` columns describing `notice` (without seen_at / change_kind)."""
    return {
        "key": key,
        "version": version,
        "title": notice.title,
        "text": notice.text,
        "link": notice.link,
        "published": iso_or_none(notice.published),
        "updated": iso_or_none(notice.updated),
        "tags": json.dumps(list(notice.tags), ensure_ascii=False),
        "content_hash": notice.content_hash(),
    }


def notice_from_row(source: str, notice_id: str, row: dict[str, Any]) -> Notice:
    """A Notice from a `notice_versions` row (title, text, link, published, updated, tags)."""
    return Notice(
        source=source,
        notice_id=notice_id,
        title=row["title"],
        text=row["text"],
        link=row["link"],
        published=parse_iso(row["published"]),
        updated=parse_iso(row["updated"]),
        tags=tuple(json.loads(row["tags"] or "[]")),
    )


def classification_row(classification: Classification) -> dict[str, Any]:
    """The `classifications` columns describing `classification` (without key/version/classified_at)."""
    window = classification.window
    return {
        "category": classification.category,
        "planned": None if classification.planned is None else int(classification.planned),
        "apis": json.dumps(list(classification.apis)),
        "environment": classification.environment,
        "window_start": None if window is None else window.start,
        "window_end": None if window is None else window.end,
        "reasons": json.dumps(list(classification.reasons), ensure_ascii=False),
    }


def classification_from_row(row: dict[str, Any]) -> Classification:
    # A window with neither part stated is no window (GUIDE.md: `null`).
    has_window = row["window_start"] is not None or row["window_end"] is not None
    planned = row["planned"]
    return Classification(
        category=cast(Category, row["category"]),
        planned=None if planned is None else bool(planned),
        apis=tuple(json.loads(row["apis"])),
        environment=cast(Environment, row["environment"]),
        window=Window(row["window_start"], row["window_end"]) if has_window else None,
        reasons=tuple(json.loads(row["reasons"] or "[]")),
    )


def message_to_json(message: Message) -> str:
    return json.dumps(
        {
            "subject": message.subject,
            "headline": message.headline,
            "fields": [list(pair) for pair in message.fields],
            "body": message.body,
            "link": message.link,
            "footer": message.footer,
            "message_id": message.message_id,
            "in_reply_to": message.in_reply_to,
            "language": message.language,
        },
        ensure_ascii=False,
    )


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    return Message(
        subject=data["subject"],
        headline=data["headline"],
        fields=tuple((str(label), str(value)) for label, value in data["fields"]),
        body=data["body"],
        link=data["link"],
        footer=data["footer"],
        message_id=data["message_id"],
        in_reply_to=data.get("in_reply_to"),
        language=data.get("language", "nb"),
    )
