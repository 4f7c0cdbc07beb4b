"""A post file (YAML front matter + markdown body, like shared/corpus/posts/*.md) → Notice.

`notice_id` is the file name, `source` is "file". `published` comes from the front matter's
`date` when it is a valid date, else from the file name (`YYYY-MM-DD-` with an optional time
`HH-MM-` or `HHMM-`), as an aware Europe/Oslo datetime; None when neither has one.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from monitor.errors import NotANoticeError, UserError
from monitor.model import Notice

OSLO = ZoneInfo("Europe/Oslo")
SOURCE = "file"
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
_FILE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[- ](\d{2})-?(\d{2})(?=[- ]))?")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SIMPLE_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


def read_post(path: Path, *, require_front_matter: bool = False) -> Notice:
    """Read one post. Raises UserError naming the file and the problem (unreadable, not UTF-8,
    front matter not closed or not a mapping, no title).

    With `require_front_matter` (`rules test`), a file without front matter naming a `title` is
    not a notice: NotANoticeError (exit 2), so a README or a rules file is never classified.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read the file: {error.strerror or error}") from error
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: not UTF-8 text (byte {error.start}); save the post as UTF-8") from error
    meta, body = _split(path, content)
    if require_front_matter and not _text(meta.get("title")):
        raise NotANoticeError(
            f"{path}: not a notice file: it has no front matter with a title; a notice starts with "
            "'---', 'title: ...', '---' and then the text (like the posts of Skatteetaten's "
            "nyheter-og-driftsvarsler page); nothing was classified"
        )
    title = _text(meta.get("title")) or _heading(body) or _slug(path)
    tags = _tags(meta.get("tags"))
    published = _date_value(meta.get("date")) or _file_date(path.name)
    return Notice(
        source=SOURCE,
        notice_id=path.name,
        title=title,
        text=body.strip("\n"),
        link=str(meta.get("permalink") or path.as_posix()),
        published=published,
        updated=None,
        tags=tags,
    )


def _split(path: Path, content: str) -> tuple[dict[str, object], str]:
    """Front matter as a mapping, and the body; a file without front matter is all body."""
    stripped = content.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return {}, stripped
    match = _FRONT_MATTER.match(stripped)
    if match is None:
        raise UserError(
            f"{path}: front matter starts with '---' but is never closed; add a '---' line after it"
        )
    block, body = match.group(1), stripped[match.end() :]
    try:
        loaded = yaml.load(block, Loader=_LOADER)
    except yaml.YAMLError:
        loaded = _simple_front_matter(block)
        if not loaded:
            raise UserError(f"{path}: front matter is not valid YAML and has no 'key: value' lines") from None
    if loaded is None:
        return {}, body
    if not isinstance(loaded, dict):
        raise UserError(f"{path}: front matter must be 'key: value' lines, got {type(loaded).__name__}")
    return {str(key): value for key, value in loaded.items()}, body


def _simple_front_matter(block: str) -> dict[str, object]:
    """A forgiving reading of front matter YAML rejects (an unquoted title with ': ' in it)."""
    meta: dict[str, object] = {}
    for line in block.splitlines():
        match = _SIMPLE_LINE.match(line)
        if match:
            meta[match.group(1)] = match.group(2).strip("\"'")
    return meta


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _heading(body: str) -> str:
    match = re.search(r"^#+\s*(.+)$", body, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _slug(path: Path) -> str:
    return re.sub(r"^\d{4}-\d{1,2}-\d{1,2}-(?:\d{2}-\d{2}-|\d{4}-)?", "", path.stem).replace("-", " ")


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items = [part.strip() for part in value.strip("[]").split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(item).strip() for item in value]
    else:
        items = [str(value)]
    return tuple(item for item in items if item)


def _date_value(value: object) -> datetime | None:
    """A front-matter date (YAML datetime/date or ISO text); naive times are Oslo time."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip().replace(" +", "+").replace(" -", "-")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment is None:
        return None
    return moment.replace(tzinfo=OSLO) if moment.tzinfo is None else moment.astimezone(OSLO)


def _file_date(name: str) -> datetime | None:
    match = _FILE_DATE.match(name)
    if match is None:
        return None
    year, month, day = (int(match.group(index)) for index in (1, 2, 3))
    hour, minute = int(match.group(4) or 0), int(match.group(5) or 0)
    try:
        return datetime(year, month, day, hour, minute, tzinfo=OSLO)
    except ValueError:
        return None
