"""The "Endring" field of an edited notice (pure, Norwegian): what changed, in a few words.

Title, window and APIs are compared as values; the body as words, so an added sentence reads as
`lagt til «…»` and a corrected time as `«kl. 18» → «kl. 20»`. Each part is capped, and the
whole field too, so a rewritten body gives a short summary, not a second copy of the notice.
"""

from __future__ import annotations

import difflib

from monitor.model import Classification, Notice

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
) -> str:
    """ "Tittel: «a» → «b»; Tidsrom: … → …; API-er: … → …; Tekst: lagt til «…»" or a plain sentence."""
    if previous is None:
        return "Varselet er endret"
    parts: list[str] = []
    old_title, new_title = " ".join(previous.title.split()), " ".join(current.title.split())
    if old_title != new_title:
        parts.append(f"Tittel: «{_cap(old_title)}» → «{_cap(new_title)}»")
    if before is not None and window_text is not None and previous_window_text != window_text:
        parts.append(f"Tidsrom: {previous_window_text} → {window_text}")
    if before is not None and before.apis != after.apis:
        parts.append(f"API-er: {_apis(before.apis, api_list)} → {_apis(after.apis, api_list)}")
    body = body_changes(previous.text, current.text)
    if body:
        parts.append("Tekst: " + "; ".join(body))
    if not parts:
        return "Teksten er endret (bare formatering)"
    summary = "; ".join(parts)
    return summary if len(summary) <= FIELD_MAX_CHARS else summary[: FIELD_MAX_CHARS - 1] + "…"


def body_changes(old: str, new: str) -> list[str]:
    """Word-level changes, in Norwegian: lagt til «…», fjernet «…», «old» → «new»; at most a few."""
    before, after = old.split(), new.split()
    changes: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, start_a, end_a, start_b, end_b in matcher.get_opcodes():
        removed, added = " ".join(before[start_a:end_a]), " ".join(after[start_b:end_b])
        if tag == "insert":
            changes.append(f"lagt til «{_cap(added)}»")
        elif tag == "delete":
            changes.append(f"fjernet «{_cap(removed)}»")
        elif tag == "replace":
            changes.append(f"«{_cap(removed)}» → «{_cap(added)}»")
    if len(changes) > MAX_BODY_CHANGES:
        more = len(changes) - MAX_BODY_CHANGES
        changes = [
            *changes[:MAX_BODY_CHANGES],
            "og én endring til" if more == 1 else f"og {more} endringer til",
        ]
    return changes


def _apis(apis: tuple[str, ...], names: dict[str, str]) -> str:
    return ", ".join(names.get(api, api) for api in apis) if apis else "ingen"


def _cap(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
