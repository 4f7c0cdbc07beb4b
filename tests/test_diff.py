"""diff and suspicious_shrink: windowed feeds, edits, removals, restores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.diff import StoredNotice, diff, only_lost_characters, suspicious_shrink
from monitor.model import Notice

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)


def notice(number: int, text: str = "tekst", *, dated: bool = True) -> Notice:
    return Notice(
        source="feed",
        notice_id=f"post-{number}",
        title=f"Varsel {number}",
        text=text,
        link=f"https://example.test/{number}",
        published=DAY0 + timedelta(days=number) if dated else None,
    )


def stored(*notices: Notice, removed: bool = False, version: int = 1) -> dict[str, StoredNotice]:
    return {
        item.notice_id: StoredNotice(item, version, item.content_hash(), removed=removed) for item in notices
    }


def kinds(changes: list) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    return [(change.kind, change.notice.notice_id, change.version) for change in changes]


def test_diff_first_poll_is_all_new() -> None:
    changes = diff({}, [notice(1), notice(2)], complete=False)
    assert kinds(changes) == [("new", "post-1", 1), ("new", "post-2", 1)]


def test_diff_unchanged_poll_gives_nothing() -> None:
    current = [notice(1), notice(2)]
    assert diff(stored(*current), current, complete=False) == []


def test_diff_whitespace_only_change_is_not_an_edit() -> None:
    assert diff(stored(notice(1, "a  b")), [notice(1, "a\nb ")], complete=True) == []


def test_diff_edit_bumps_version_and_keeps_previous() -> None:
    old = notice(3, "Nedetid lørdag")
    changes = diff(stored(old, version=2), [notice(3, "Nedetid søndag")], complete=False)
    assert kinds(changes) == [("edited", "post-3", 3)]
    assert changes[0].previous == old


def test_diff_windowed_feed_entry_falling_off_is_not_removed() -> None:
    # A feed of the newest 3: post-1 falls off the end when post-4 arrives.
    previous = stored(notice(1), notice(2), notice(3))
    changes = diff(previous, [notice(2), notice(3), notice(4)], complete=False)
    assert kinds(changes) == [("new", "post-4", 1)]


def test_diff_windowed_feed_middle_entry_vanishing_is_removed() -> None:
    previous = stored(notice(1), notice(2), notice(3))
    changes = diff(previous, [notice(1), notice(3)], complete=False)
    assert kinds(changes) == [("removed", "post-2", 1)]
    assert changes[0].notice == notice(2)


def test_diff_same_date_as_oldest_is_not_removed() -> None:
    # post-2b shares the oldest listed date: it may have fallen off a window boundary.
    twin = Notice("feed", "post-2b", "Tvilling", "x", "l", published=notice(2).published)
    changes = diff(stored(twin, notice(2), notice(3)), [notice(2), notice(3)], complete=False)
    assert changes == []


def test_diff_complete_source_removes_every_missing_notice() -> None:
    previous = stored(notice(1), notice(2), notice(3, dated=False))
    changes = diff(previous, [notice(2)], complete=True)
    assert kinds(changes) == [("removed", "post-1", 1), ("removed", "post-3", 1)]


def test_diff_undated_notices_are_never_removed_from_incomplete_poll() -> None:
    previous = stored(notice(1, dated=False), notice(2, dated=False))
    assert diff(previous, [notice(2, dated=False)], complete=False) == []


def test_diff_already_removed_notice_is_not_removed_again() -> None:
    previous = {**stored(notice(1), notice(3)), **stored(notice(2), removed=True)}
    assert diff(previous, [notice(1), notice(3)], complete=True) == []


def test_diff_restored_notice_is_an_edit_with_new_version() -> None:
    previous = {**stored(notice(1)), **stored(notice(2), removed=True, version=4)}
    changes = diff(previous, [notice(1), notice(2)], complete=True)
    assert kinds(changes) == [("edited", "post-2", 5)]
    assert changes[0].previous == notice(2)


def test_diff_duplicate_ids_in_poll_count_once() -> None:
    changes = diff({}, [notice(1, "først"), notice(1, "senere")], complete=False)
    assert kinds(changes) == [("new", "post-1", 1)]
    assert changes[0].notice.text == "først"


def test_diff_real_feed_window_moves_without_removals(corpus_dir: Path) -> None:
    # The saved Atom feed's 43 entries as a 20-entry window that moves on by 5 posts.
    entries = json.loads((corpus_dir / "atom_entries.json").read_text(encoding="utf-8"))["entries"]
    notices = [
        Notice(
            "atom",
            entry.get("id") or entry["link"],
            entry.get("title", ""),
            entry.get("summary", "") or "",
            entry.get("link", ""),
            updated=datetime.fromisoformat(entry["updated"].replace("Z", "+00:00")),
        )
        for entry in entries
    ]
    notices.sort(key=lambda item: item.updated or DAY0, reverse=True)
    older, newer = notices[5:25], notices[0:20]
    changes = diff(stored(*older), newer, complete=False)
    assert changes and {change.kind for change in changes} == {"new"}
    assert len(changes) == len({n.notice_id for n in newer} - {n.notice_id for n in older})


def test_suspicious_shrink_empty_poll_after_several() -> None:
    reason = suspicious_shrink(5, [])
    assert reason is not None and "5" in reason


def test_suspicious_shrink_losing_more_than_half() -> None:
    assert suspicious_shrink(20, [notice(number) for number in range(9)]) is not None


def test_suspicious_shrink_normal_changes_pass() -> None:
    assert suspicious_shrink(20, [notice(number) for number in range(20)]) is None
    assert suspicious_shrink(20, [notice(number) for number in range(10)]) is None
    assert suspicious_shrink(2, []) is None  # too few to judge
    assert suspicious_shrink(0, []) is None


def test_diff_duplicate_id_does_not_hide_the_notices_after_it() -> None:
    changes = diff({}, [notice(1), notice(1, "igjen"), notice(2)], complete=False)
    assert kinds(changes) == [("new", "post-1", 1), ("new", "post-2", 1)]


def test_suspicious_shrink_guards_from_three_previous_notices() -> None:
    # A complete source of SHRINK_MIN_PREVIOUS (3) notices returning none would mark all 3 removed.
    assert suspicious_shrink(3, []) == "kilden ga ingen varsler, forrige henting ga 3"
    assert (
        suspicious_shrink(3, [notice(1)]) == "kilden ga 1 varsler, forrige henting ga 3 (mistet 2 på én gang)"
    )
    assert suspicious_shrink(2, [notice(1)]) is None


def test_suspicious_shrink_exactly_half_lost_is_trusted() -> None:
    assert suspicious_shrink(4, [notice(1), notice(2)]) is None
    assert (
        suspicious_shrink(4, [notice(1)]) == "kilden ga 1 varsler, forrige henting ga 4 (mistet 3 på én gang)"
    )
    assert suspicious_shrink(20, [notice(number) for number in range(9)]) == (
        "kilden ga 9 varsler, forrige henting ga 20 (mistet 11 på én gang)"
    )


def test_suspicious_shrink_counts_distinct_ids() -> None:
    # Four copies of one notice are one notice: 1 of 4 left.
    assert suspicious_shrink(4, [notice(1)] * 4) == (
        "kilden ga 1 varsler, forrige henting ga 4 (mistet 3 på én gang)"
    )


def test_only_lost_characters_both_directions_but_not_edits() -> None:
    clean = notice(4, "Nedetid på Inntekt API lørdag")
    for damaged in ("Nedetid p? Inntekt API l\ufffdrdag", "Nedetid pÃ¥ Inntekt API lÃ¸rdag"):
        assert only_lost_characters(clean, notice(4, damaged)) is True
        assert only_lost_characters(notice(4, damaged), clean) is True
    assert only_lost_characters(clean, notice(4, "Nedetid  p?\nInntekt API lørdag")) is True
    # Same loss marks on both sides: nothing was lost, a letter was changed.
    assert only_lost_characters(clean, notice(4, "Nedetid på Inntekt API lördag")) is False
    assert only_lost_characters(clean, notice(4, "Nedetid på Inntekt API søndag")) is False
    assert (
        only_lost_characters(notice(4, "Nedetid p? Inntekt API"), notice(4, "Nedetid p? Skatt API")) is False
    )


def test_diff_mangled_text_is_no_edit_but_a_real_edit_still_is() -> None:
    before = stored(notice(5, "Nedetid på Inntekt API lørdag"))
    assert diff(before, [notice(5, "Nedetid p\ufffd Inntekt API l\ufffdrdag")], complete=True) == []
    changes = diff(before, [notice(5, "Nedetid p\ufffd Inntekt API s\ufffdndag")], complete=True)
    assert kinds(changes) == [("edited", "post-5", 2)]
