"""A documentation-section or OpenAPI-spec Change → its Classification and alert text (pure).

Doc and spec sources are not run through the keyword classifier: what changed is known exactly,
so the change is an "api_change" for the API the source documents (every kommune API when the
source names none), with a short readable diff as the alert body. `history_report` renders the
stored versions and diffs for `driftsvarsel history`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlite_utils

from monitor.config.types import Rules, SourceConfig
from monitor.docs.apidiff import DocDiff, SpecDiff, section_diff, spec_diff
from monitor.errors import UserError
from monitor.localtime import local_iso, local_time
from monitor.model import ALL_APIS, Category, Change, Classification, Environment, Notice
from monitor.store.diffs import DiffKind, KeyHistory, history
from monitor.store.overrides import Override, override_history
from monitor.texts import say

DOC_KINDS = ("docpage", "openapi")


@dataclass(frozen=True)
class DocChangeReport:
    """Everything the pipeline needs for one doc/spec Change: classify, alert body, stored diff."""

    classification: Classification
    body: str
    diff_kind: DiffKind
    breaking: bool
    bodies: Mapping[str, str] = field(default_factory=dict)  # målform → body, where not bokmål

    def body_in(self, language: str) -> str:
        """The alert body in `language` (nb or nn): our words around the quoted diff."""
        return self.bodies.get(language, self.body)


def describe_change(change: Change, source: SourceConfig) -> tuple[Classification, str]:
    """The Classification of a docpage/openapi `change` and the Norwegian alert body text.

    Raises ValueError for a source of another kind (those go through `classify`).
    """
    report = assess(change, source)
    return report.classification, report.body


def assess(change: Change, source: SourceConfig) -> DocChangeReport:
    """Like `describe_change`, plus the diff kind and breaking flag to store with `record_diff`."""
    if source.kind == "docpage":
        return _section_report(change, source)
    if source.kind == "openapi":
        return _spec_report(change, source)
    raise ValueError(f"source {source.name!r} is of kind {source.kind!r}, not one of {DOC_KINDS}")


def _apis(source: SourceConfig) -> tuple[str, ...]:
    return (source.api,) if source.api else (ALL_APIS,)


def _section_report(change: Change, source: SourceConfig) -> DocChangeReport:
    previous = change.previous if change.kind == "edited" else None
    current = None if change.kind == "removed" else change.notice
    if change.kind == "removed":
        previous = change.notice
    diff = section_diff(previous, current)
    reason = f"dokumentasjonsendring: {_count(diff.changed, 'linje', 'linjer')} endret i «{diff.section}»"
    classification = Classification("api_change", None, _apis(source), "unspecified", None, (reason,))
    # A section that disappears may take a documented feature with it: treat it as breaking.
    breaking = change.kind == "removed"
    bodies = {"nn": _section_body(diff, change, "nn")}
    return DocChangeReport(classification, _section_body(diff, change), "section", breaking, bodies)


def _section_body(diff: DocDiff, change: Change, language: str = "nb") -> str:
    page = change.notice.title.rsplit(" – ", 1)[0]
    if not diff.lines:  # a removed section that came back unchanged
        return say(language, "docs.section_back", section=diff.section, page=page)
    heading = say(language, f"docs.section_{diff.kind}", section=diff.section, page=page)
    added = say(language, "docs.line_one" if diff.added == 1 else "docs.line_many", count=diff.added)
    return say(
        language,
        "docs.section_body",
        heading=heading,
        added=added,
        removed=diff.removed,
        diff=diff.text_in(language),
    )


def _spec_report(change: Change, source: SourceConfig) -> DocChangeReport:
    old_text = change.previous.text if change.kind == "edited" and change.previous is not None else ""
    new_text = "" if change.kind == "removed" else change.notice.text
    if change.kind == "removed":
        old_text = change.notice.text
    diff = spec_diff(old_text, new_text)
    breaking, other = len(diff.breaking), len(diff.non_breaking)
    reason = f"OpenAPI: {_count(breaking, 'brytende endring', 'brytende endringer')}, {other} ikke-brytende"
    # A canonical text that changed without a change that reaches an operation is only info.
    category: Category = "api_change" if diff.changes else "info"
    environment = spec_environment([old_text, new_text])
    classification = Classification(category, None, _apis(source), environment, None, (reason,))
    bodies = {"nn": _spec_body(spec_diff(old_text, new_text, "nn"), change, "nn")}
    return DocChangeReport(classification, _spec_body(diff, change), "spec", breaking > 0, bodies)


def _spec_body(diff: SpecDiff, change: Change, language: str = "nb") -> str:
    title = change.notice.title
    if not diff.changes:
        return say(language, "docs.spec_unchanged_ops", title=title)
    count = len(diff.breaking)
    breaking = say(language, "docs.breaking_one" if count == 1 else "docs.breaking_many", count=count)
    other = say(language, "docs.non_breaking_count", count=len(diff.non_breaking))
    head = say(language, "docs.spec_changed", title=title, breaking=breaking, other=other)
    return head + "\n" + "\n".join(diff.summary_lines(language=language))


def spec_environment(canonical_texts: Sequence[str]) -> Environment:
    """ "prod", "test" or "both" from the servers of the given canonical spec texts; else "unspecified"."""
    found: set[str] = set()
    for text in canonical_texts:
        if not text.strip():
            continue
        for url in json.loads(text).get("servers", []):
            host = urlsplit(url).hostname or ""
            found.add("test" if "test" in host or host.endswith("sits.no") else "prod")
    if found == {"prod", "test"}:
        return "both"
    return "prod" if found == {"prod"} else "test" if found == {"test"} else "unspecified"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def history_report(db: sqlite_utils.Database, target: str, rules: Rules | None = None) -> str:
    """The `driftsvarsel history` text for `target` (notice key/id/URL, doc URL, source or API id).

    Raises UserError when nothing stored matches `target`.
    """
    histories = _histories(db, target, rules)
    return "\n\n".join(format_history(entry) + _corrections(db, entry.key) for entry in histories)


def history_json(db: sqlite_utils.Database, target: str, rules: Rules | None = None) -> dict[str, object]:
    """The `history --json` shape (README, "JSON output"). Raises UserError like `history_report`."""
    return {
        "target": target,
        "notices": [
            {
                "key": entry.key,
                "title": entry.versions[-1].notice.title if entry.versions else None,
                "removed_at": local_iso(entry.versions[-1].removed_at) if entry.versions else None,
                "corrections": [
                    {"at": local_iso(item.at), "who": item.who, "reason": item.reason, **_fields_json(item)}
                    for item in override_history(db, entry.key)
                ],
                "versions": [
                    {
                        "version": version.version,
                        "seen_at": local_iso(version.seen_at),
                        "change_kind": version.change_kind,
                        "category": version.classification.category if version.classification else None,
                        "title": version.notice.title,
                        "text": version.notice.text,
                    }
                    for version in entry.versions
                ],
                "diffs": [
                    {
                        "version": diff.version,
                        "change_kind": diff.change_kind,
                        "kind": diff.kind,
                        "breaking": diff.breaking,
                        "created_at": local_iso(diff.created_at),
                        "text": diff.text,
                    }
                    for diff in entry.diffs
                ],
            }
            for entry in _histories(db, target, rules)
        ],
    }


def _histories(db: sqlite_utils.Database, target: str, rules: Rules | None) -> list[KeyHistory]:
    api_sources = [s.name for s in rules.sources if s.api == target] if rules is not None else []
    histories = history(db, target, api_sources=api_sources)
    if not histories:
        raise UserError(
            f"nothing stored matches {target!r}: give a notice key ('<source>:<notice id>'), a notice id "
            "or documentation URL, a source name, or an API id (with --rules); "
            "see `driftsvarsel history --help`"
        )
    return histories


def _corrections(db: sqlite_utils.Database, key: str) -> str:
    """The admins' corrections of a notice (`driftsvarsel correct`), oldest first."""
    lines = []
    for item in override_history(db, key):
        fields = ", ".join(f"{name}={value if not isinstance(value, tuple) else ','.join(value) or 'none'}"
                           for name, value in item.fields().items() if value is not None)  # fmt: skip
        lines.append(f"\n  corrected {local_time(item.at)} by {item.who}: {fields} ({item.reason})")
    return "".join(lines)


def _fields_json(item: Override) -> dict[str, object]:
    return {name: list(value) if isinstance(value, tuple) else value for name, value in item.fields().items()}


def _version_diff(previous: Notice, current: Notice) -> list[str]:
    """What changed between two stored versions of a notice: the title, then the text lines."""
    lines = []
    if previous.title != current.title:
        lines += [f"- tittel: {previous.title}", f"+ tittel: {current.title}"]
    changed = section_diff(previous, current)
    more = [f"… ({changed.omitted} linjer til)"] if changed.omitted else []
    return lines + [line for line in changed.lines if line[:1] in "+-" and line[1:].strip()] + more


def format_history(entry: KeyHistory) -> str:
    """One notice's versions, each with its time, change kind, category and stored diff."""
    title = entry.versions[-1].notice.title if entry.versions else ""
    lines = [entry.key, f"  {title}"] if title else [entry.key]
    previous = None
    for version in entry.versions:
        category = f"  [{version.classification.category}]" if version.classification else ""
        stamp = local_time(version.seen_at)
        lines.append(f"  v{version.version}  {stamp}  {version.change_kind}{category}")
        stored = entry.diffs_of(version.version)
        for diff in stored:
            if diff.change_kind == "removed":
                lines.append(f"  removed  {local_time(diff.created_at)}")
            lines.extend(f"      {line}" for line in diff.text.splitlines())
        if not stored and previous is not None:
            # Notices (feed posts, incidents) keep every version; their diff is made when shown.
            lines.extend(f"      {line}" for line in _version_diff(previous, version.notice))
        previous = version.notice
    if entry.versions and entry.versions[-1].removed_at is not None:
        removed_at = local_time(entry.versions[-1].removed_at)
        if not any(diff.change_kind == "removed" for diff in entry.diffs):
            lines.append(f"  removed  {removed_at}")
    return "\n".join(lines)
