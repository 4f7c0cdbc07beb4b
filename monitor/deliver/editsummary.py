"""The "Endring" field of an edited notice (pure; bokmål or nynorsk): what changed, in a few words.

Title, window and APIs are compared as values; the body as words, so an added sentence reads as
`lagt til «…»` and a corrected time as `«kl. 18» → «kl. 20»` (the words are in monitor/texts, per
målform). Each part is capped, and the whole field too, so a rewritten body gives a short summary,
not a second copy of the notice.
"""

from __future__ import annotations

import difflib

from monitor.model import Classification, Notice
from monitor.texts import say

#: The longest quoted snippet of one body change, and how many changes are listed.
SNIPPET_CHARS = 120
MAX_BODY_CHANGES = 4
FIELD_MAX_CHARS = 600


def edit_summary(
    previous: Notice | None,
    current: Notice,
    before: Classification | None,
    after: Classification,
    *,
    api_list: dict[str, str],
    window_text: str | None = None,
    previous_window_text: str | None = None,
    language: str = "nb",
) -> str:
    """ "Tittel: «a» → «b»; Tidsrom: … → …; API-er: … → …; Tekst: lagt til «…»" or a plain sentence."""
    if previous is None:
        return say(language, "edit.unknown")
    parts: list[str] = []
    old_title, new_title = " ".join(previous.title.split()), " ".join(current.title.split())
    if old_title != new_title:
        parts.append(say(language, "edit.title", old=_cap(old_title), new=_cap(new_title)))
    if before is not None and window_text is not None and previous_window_text != window_text:
        parts.append(say(language, "edit.window", old=previous_window_text, new=window_text))
    if before is not None and before.apis != after.apis:
        old_apis, new_apis = _apis(before.apis, api_list, language), _apis(after.apis, api_list, language)
        parts.append(say(language, "edit.apis", old=old_apis, new=new_apis))
    body = body_changes(previous.text, current.text, language)
    if body:
        parts.append(say(language, "edit.text", changes="; ".join(body)))
    if not parts:
        return say(language, "edit.format_only")
    summary = "; ".join(parts)
    return summary if len(summary) <= FIELD_MAX_CHARS else summary[: FIELD_MAX_CHARS - 1] + "…"


def body_changes(old: str, new: str, language: str = "nb") -> list[str]:
    """Word-level changes, in Norwegian: lagt til «…», fjernet «…», «old» → «new»; at most a few."""
    before, after = old.split(), new.split()
    changes: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, start_a, end_a, start_b, end_b in matcher.get_opcodes():
        removed, added = " ".join(before[start_a:end_a]), " ".join(after[start_b:end_b])
        if tag == "insert":
            changes.append(say(language, "edit.added", text=_cap(added)))
        elif tag == "delete":
            changes.append(say(language, "edit.removed", text=_cap(removed)))
        elif tag == "replace":
            changes.append(say(language, "edit.replaced", old=_cap(removed), new=_cap(added)))
    if len(changes) > MAX_BODY_CHANGES:
        more = len(changes) - MAX_BODY_CHANGES
        changes = [
            *changes[:MAX_BODY_CHANGES],
            say(language, "edit.more_one") if more == 1 else say(language, "edit.more_many", count=more),
        ]
    return changes


def _apis(apis: tuple[str, ...], names: dict[str, str], language: str) -> str:
    return ", ".join(names.get(api, api) for api in apis) if apis else say(language, "edit.no_apis")


def _cap(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
