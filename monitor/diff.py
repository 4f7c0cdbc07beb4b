"""Previous notices of a source vs a fresh poll → changes (pure, no I/O).

Rules, in the order `diff` applies them:

- A notice id never seen before is `new` (version 1).
- A stored notice whose content hash differs is `edited` (version + 1, `previous` = stored notice).
- An edit whose only difference is characters lost to "?", U+FFFD or mojibake ("Ã¸" for "ø") is
  no edit (`only_lost_characters`): a source that mangled its text once must not alert twice.
- A stored notice that was marked removed and shows up again is `edited` as well (version + 1,
  even when the text is unchanged): readers who were told it was withdrawn must hear it is back.
  The store records such a version with change_kind "restored".
- A stored notice missing from the poll is `removed` only when that is safe. Feeds are windows:
  Docusaurus keeps the newest 20 entries, listing pages paginate, so an old entry falling off the
  end is not a removal. A notice counts as removed when the poll is `complete` (the source lists
  everything it has), or when its date (published, else updated) is strictly newer than the oldest
  dated notice in the poll: something older is still listed, so this one was taken down.
  Undated notices are never removed from an incomplete poll.

An empty or collapsed poll (`suspicious_shrink`) must be treated by the caller as a failed poll
before `diff` is called, otherwise a complete source would lose every notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from monitor.model import Change, Notice, StoredNotice

#: A source with at least this many notices in its previous poll may not collapse at once.
SHRINK_MIN_PREVIOUS = 3
#: Losing more than this share of the previous poll's notices in one poll is suspicious.
SHRINK_MAX_LOSS = 0.5
#: What a lost character leaves behind: "?", U+FFFD, or UTF-8 read as Latin-1/cp1252 ("Ã¸", "â€“").
_LOSS_MARK = re.compile("[?\ufffd]|[ÃÂ][\u0080-\u00bf\u0152-\u2122]|â€.?")
#: Everything a mangled character may become or come from; removed before comparing.
_FRAGILE = re.compile("[^\x00-\x7f]|[?\ufffd]")


def diff(previous: Mapping[str, StoredNotice], current: Sequence[Notice], *, complete: bool) -> list[Change]:
    """Changes between the stored notices (by notice_id) and a fresh poll of the same source.

    Returns new/edited changes in poll order, then removals ordered by notice id. A notice id
    repeated in `current` counts once (its first occurrence).
    """
    changes: list[Change] = []
    seen: dict[str, Notice] = {}
    for notice in current:
        if notice.notice_id in seen:
            continue
        seen[notice.notice_id] = notice
        stored = previous.get(notice.notice_id)
        if stored is None:
            changes.append(Change("new", notice, 1))
        elif stored.removed or (
            stored.content_hash != notice.content_hash() and not only_lost_characters(stored.notice, notice)
        ):
            changes.append(Change("edited", notice, stored.version + 1, previous=stored.notice))
    oldest = _oldest_date(seen.values())
    for notice_id in sorted(previous):
        stored = previous[notice_id]
        if stored.removed or notice_id in seen:
            continue
        if complete or _inside_window(stored.notice, oldest):
            changes.append(Change("removed", stored.notice, stored.version))
    return changes


def only_lost_characters(before: Notice, after: Notice) -> bool:
    """True when `before` and `after` differ only where characters were lost or mangled.

    That is: with every non-ASCII character, "?" and U+FFFD removed, title and text are equal,
    and one side carries more loss marks ("?", U+FFFD, mojibake) than the other. Either direction
    counts: the damage arriving is no edit, and neither is it being repaired.
    """
    old, new = f"{before.title}\n{before.text}", f"{after.title}\n{after.text}"
    if _FRAGILE.sub("", " ".join(old.split())) != _FRAGILE.sub("", " ".join(new.split())):
        return False
    return len(_LOSS_MARK.findall(old)) != len(_LOSS_MARK.findall(new))


def suspicious_shrink(
    previous_count: int, current: Sequence[Notice], *, max_loss: float = SHRINK_MAX_LOSS
) -> str | None:
    """A reason to distrust this poll, or None.

    `previous_count` is the number of notices the previous successful poll of the source returned
    (not the number stored, which grows as a windowed feed moves on). A source that had at least
    SHRINK_MIN_PREVIOUS notices and now returns none, or has lost more than `max_loss` of them at
    once, is far more likely broken (an empty page, a changed layout) than emptied on purpose.
    """
    count = len({notice.notice_id for notice in current})
    if previous_count < SHRINK_MIN_PREVIOUS or count >= previous_count:
        return None
    if count == 0:
        return f"kilden ga ingen varsler, forrige henting ga {previous_count}"
    lost = previous_count - count
    if lost > previous_count * max_loss:
        return f"kilden ga {count} varsler, forrige henting ga {previous_count} (mistet {lost} på én gang)"
    return None


def _date(notice: Notice) -> datetime | None:
    return notice.published or notice.updated


def _oldest_date(notices: Iterable[Notice]) -> datetime | None:
    dates = [date for notice in notices if (date := _date(notice)) is not None]
    return min(dates) if dates else None


def _inside_window(notice: Notice, oldest: datetime | None) -> bool:
    date = _date(notice)
    return date is not None and oldest is not None and date > oldest
