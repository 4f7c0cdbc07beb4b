"""Readable diffs of API documentation sections and semantic diffs of OpenAPI specs (pure).

`section_diff` turns two versions of a doc-section Notice into a short unified-style diff.
`spec_diff` compares two canonical spec texts (`monitor.sources.openapi.canonical_text`) and
lists each change in Norwegian, marked breaking by the usual rules: removing an operation, a
response field or an enum value, adding a required parameter, making a parameter required,
changing a type or the servers is breaking; additions are not.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from monitor.model import ChangeKind, Notice
from monitor.texts import say

#: At most this many diff lines are shown; the rest is counted.
MAX_DIFF_LINES = 20
#: How `monitor.sources.docpage` joins page title and section heading in a Notice title.
SECTION_SEPARATOR = " – "
_MAX_REF_DEPTH = 32


@dataclass(frozen=True)
class DocDiff:
    """The change of one documentation section. `lines` are "+ new", "- old", "  context", "…"."""

    section: str
    kind: ChangeKind
    added: int
    removed: int
    lines: tuple[str, ...]
    omitted: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.removed

    @property
    def text(self) -> str:
        return self.text_in("nb")

    def text_in(self, language: str) -> str:
        more = [say(language, "docs.more_lines", count=self.omitted)] if self.omitted else []
        return "\n".join([*self.lines, *more])


@dataclass(frozen=True)
class SpecChange:
    """One semantic change. `location` is "GET /path", "servers" or "info"."""

    kind: str
    location: str
    description: str
    breaking: bool


@dataclass(frozen=True)
class SpecDiff:
    changes: tuple[SpecChange, ...] = ()

    @property
    def breaking(self) -> tuple[SpecChange, ...]:
        return tuple(change for change in self.changes if change.breaking)

    @property
    def non_breaking(self) -> tuple[SpecChange, ...]:
        return tuple(change for change in self.changes if not change.breaking)

    def summary_lines(self, limit: int = MAX_DIFF_LINES, language: str = "nb") -> list[str]:
        """Breaking changes first, one Norwegian line each, at most `limit` lines plus a count."""
        lines = [
            say(language, "docs.breaking_line", description=change.description) for change in self.breaking
        ]
        lines += [
            say(language, "docs.non_breaking_line", description=change.description)
            for change in self.non_breaking
        ]
        if len(lines) > limit:
            return [*lines[:limit], say(language, "docs.more_changes", count=len(lines) - limit)]
        return lines


def section_name(notice: Notice) -> str:
    """The section heading of a docpage Notice title "<page> – <section>"."""
    return notice.title.rsplit(SECTION_SEPARATOR, 1)[-1]


def section_diff(previous: Notice | None, current: Notice | None) -> DocDiff:
    """A readable diff from `previous` to `current` (None for a new or removed section).

    Raises ValueError when both are None.
    """
    if previous is None and current is None:
        raise ValueError("section_diff needs at least one of previous and current")
    shown = current if current is not None else previous
    assert shown is not None
    kind: ChangeKind = "new" if previous is None else "removed" if current is None else "edited"
    old = previous.text.splitlines() if previous is not None else []
    new = current.text.splitlines() if current is not None else []
    lines: list[str] = []
    if previous is not None and current is not None and previous.title != current.title:
        lines += [f"- Overskrift: {section_name(previous)}", f"+ Overskrift: {section_name(current)}"]
    for line in list(difflib.unified_diff(old, new, n=1, lineterm=""))[2:]:
        if line.startswith("@@"):
            if lines:
                lines.append("…")
        else:
            lines.append(f"{line[0]} {line[1:]}".rstrip() if line[0] in "+-" else f"  {line[1:]}")
    added = sum(1 for line in lines if line.startswith("+ "))
    removed = sum(1 for line in lines if line.startswith("- "))
    omitted = max(0, len(lines) - MAX_DIFF_LINES)
    return DocDiff(section_name(shown), kind, added, removed, tuple(lines[:MAX_DIFF_LINES]), omitted)


def spec_diff(old_text: str, new_text: str, language: str = "nb") -> SpecDiff:
    """The semantic changes from one canonical spec text to another ("" = no spec), described in
    `language` (nb or nn).

    Raises ValueError when a text is not canonical spec JSON.
    """
    if not old_text.strip() or not new_text.strip():
        if not old_text.strip() and not new_text.strip():
            return SpecDiff()
        added = not old_text.strip()
        description = say(language, "docs.spec_added" if added else "docs.spec_removed")
        return SpecDiff((SpecChange("spec_added" if added else "spec_removed", "", description, not added),))
    old, new = _load(old_text), _load(new_text)
    differ = _SpecDiffer(old, new, language=language)
    differ.compare()
    return SpecDiff(tuple(differ.changes))


def _load(text: str) -> dict[str, Any]:
    loaded = json.loads(text)
    if not isinstance(loaded, dict) or "operations" not in loaded:
        raise ValueError("not a canonical OpenAPI text (no 'operations')")
    return loaded


@dataclass
class _SpecDiffer:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[SpecChange] = field(default_factory=list)
    language: str = "nb"

    def add(self, kind: str, location: str, description: str, breaking: bool) -> None:
        self.changes.append(SpecChange(kind, location, description, breaking))

    def say(self, key: str, **values: object) -> str:
        return say(self.language, f"docs.{key}", **values)

    def compare(self) -> None:
        self._servers()
        old_ops, new_ops = self.old["operations"], self.new["operations"]
        for operation in sorted(set(old_ops) - set(new_ops)):
            self._removed_operation(operation, new_ops)
        for operation in sorted(set(new_ops) - set(old_ops)):
            self.add("operation_added", operation, self.say("operation_added", operation=operation), False)
        for operation in sorted(set(old_ops) & set(new_ops)):
            self._parameters(operation, old_ops[operation]["parameters"], new_ops[operation]["parameters"])
            self._responses(operation, old_ops[operation]["responses"], new_ops[operation]["responses"])
            if new_ops[operation].get("deprecated") and not old_ops[operation].get("deprecated"):
                text = self.say("operation_deprecated", operation=operation)
                self.add("operation_deprecated", operation, text, False)
        if self.old.get("version") != self.new.get("version"):
            text = self.say(
                "version_changed", old=self.old.get("version") or "–", new=self.new.get("version") or "–"
            )
            self.add("version_changed", "info", text, False)

    def _servers(self) -> None:
        removed = [url for url in self.old.get("servers", []) if url not in self.new.get("servers", [])]
        added = [url for url in self.new.get("servers", []) if url not in self.old.get("servers", [])]
        for old_url in list(removed):  # pair a removed and an added server of the same environment
            new_url = next((url for url in added if _is_test(url) == _is_test(old_url)), None)
            if new_url is not None:
                removed.remove(old_url)
                added.remove(new_url)
                self.add(
                    "server_changed", "servers", self.say("server_changed", old=old_url, new=new_url), True
                )
        for url in removed:
            self.add("server_removed", "servers", self.say("server_removed", url=url), True)
        for url in added:
            self.add("server_added", "servers", self.say("server_added", url=url), False)

    def _removed_operation(self, operation: str, new_ops: dict[str, Any]) -> None:
        method, path = operation.split(" ", 1)
        for candidate in sorted(new_ops):
            other_method, other_path = candidate.split(" ", 1)
            parameter = _extra_path_parameter(path, other_path) if other_method == method else None
            if parameter:
                text = self.say(
                    "path_parameter_required", parameter=parameter, operation=operation, candidate=candidate
                )
                self.add("path_parameter_required", operation, text, True)
                return
        self.add("operation_removed", operation, self.say("operation_removed", operation=operation), True)

    def _parameters(self, operation: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for key in sorted(set(old) | set(new)):
            name = key.split(":", 1)[1]
            label = self.say("parameter_label", name=name)
            if key not in new:
                self.add(
                    "parameter_removed",
                    operation,
                    self.say("parameter_removed", label=label, operation=operation),
                    False,
                )
            elif key not in old:
                required = bool(new[key]["required"])
                which = "parameter_added_required" if required else "parameter_added_optional"
                self.add(
                    "parameter_added", operation, self.say(which, label=label, operation=operation), required
                )
            else:
                if new[key]["required"] and not old[key]["required"]:
                    text = self.say("parameter_required", label=label, operation=operation)
                    self.add("parameter_required", operation, text, True)
                elif old[key]["required"] and not new[key]["required"]:
                    text = self.say("parameter_optional", label=label, operation=operation)
                    self.add("parameter_optional", operation, text, False)
                _SchemaDiffer(
                    self, operation, self.say("parameter_where", label=label, operation=operation)
                ).compare(old[key]["schema"], new[key]["schema"], "")

    def _responses(self, operation: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status in sorted(set(old) | set(new)):
            if status not in new:
                text = self.say("response_removed", status=status, operation=operation)
                self.add("response_removed", operation, text, True)
            elif status not in old:
                self.add(
                    "response_added",
                    operation,
                    self.say("response_added", status=status, operation=operation),
                    False,
                )
            else:
                differ = _SchemaDiffer(
                    self, operation, self.say("response_where", status=status, operation=operation)
                )
                differ.compare(old[status].get("schema"), new[status].get("schema"), "")


@dataclass
class _SchemaDiffer:
    """Compares two schemas of one response or parameter, following $ref with a cycle guard."""

    spec: _SpecDiffer
    operation: str
    where: str
    seen: set[tuple[str, str]] = field(default_factory=set)

    def compare(self, old: Any, new: Any, path: str) -> None:
        old, old_ref = self._resolve(old, self.spec.old)
        new, new_ref = self._resolve(new, self.spec.new)
        if old_ref or new_ref:
            if (old_ref, new_ref) in self.seen:
                return
            self.seen.add((old_ref, new_ref))
        name = self.spec.say("field", path=path) if path else self.spec.say("content")
        old_type, new_type = _type_label(old), _type_label(new)
        if old_type and new_type and old_type != new_type:
            text = self.spec.say("type_changed", name=name, where=self.where, old=old_type, new=new_type)
            self.spec.add("type_changed", self.operation, text, True)
            return
        self._enum(old, new, name)
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        prefix = f"{path}." if path else ""
        for prop in sorted(set(old_props) - set(new_props)):
            text = self.spec.say("field_removed", field=f"{prefix}{prop}", where=self.where)
            self.spec.add("field_removed", self.operation, text, True)
        for prop in sorted(set(new_props) - set(old_props)):
            text = self.spec.say("field_added", field=f"{prefix}{prop}", where=self.where)
            self.spec.add("field_added", self.operation, text, False)
        for prop in sorted(set(old_props) & set(new_props)):
            self.compare(old_props[prop], new_props[prop], f"{prefix}{prop}")
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{path}[]")

    def _enum(self, old: dict[str, Any], new: dict[str, Any], name: str) -> None:
        if "enum" not in old or "enum" not in new:
            return
        old_values = {json.dumps(value, ensure_ascii=False): value for value in old["enum"]}
        new_values = {json.dumps(value, ensure_ascii=False): value for value in new["enum"]}
        removed = [str(old_values[key]) for key in sorted(set(old_values) - set(new_values))]
        added = [str(new_values[key]) for key in sorted(set(new_values) - set(old_values))]
        if removed:
            which = "enum_removed_one" if len(removed) == 1 else "enum_removed_many"
            text = self.spec.say(which, name=name, where=self.where, values=_quoted(removed))
            self.spec.add("enum_value_removed", self.operation, text, True)
        if added:
            which = "enum_added_one" if len(added) == 1 else "enum_added_many"
            text = self.spec.say(which, name=name, where=self.where, values=_quoted(added))
            self.spec.add("enum_value_added", self.operation, text, False)

    def _resolve(self, schema: Any, spec: dict[str, Any], depth: int = 0) -> tuple[dict[str, Any], str]:
        """Follow $ref chains into `schemas` and merge allOf; returns (schema, first ref name)."""
        first_ref = ""
        if depth > _MAX_REF_DEPTH:  # an allOf cycle
            return {}, first_ref
        for _ in range(_MAX_REF_DEPTH):
            if not isinstance(schema, dict) or "$ref" not in schema:
                break
            ref_name = str(schema["$ref"]).rsplit("/", 1)[-1]
            first_ref = first_ref or ref_name
            schema = spec.get("schemas", {}).get(ref_name, {})
        if not isinstance(schema, dict):
            return {}, first_ref
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                resolved, _ = self._resolve(part, spec, depth + 1)
                merged.setdefault("type", resolved.get("type"))
                merged["properties"] = {
                    **(resolved.get("properties") or {}),
                    **(merged.get("properties") or {}),
                }
            schema = merged
        return schema, first_ref


def _is_test(url: str) -> bool:
    """Whether a server URL is a Skatteetaten test host (api-test.sits.no, *.skatteetaten-test.no)."""
    host = urlsplit(url).hostname or ""
    return "test" in host or host.endswith("sits.no")


def _type_label(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind is None:
        return ""
    label = "/".join(str(item) for item in kind) if isinstance(kind, list) else str(kind)
    return f"{label} ({schema['format']})" if schema.get("format") else label


def _quoted(values: list[str]) -> str:
    shown = ", ".join(f"«{value}»" for value in values[:8])
    return shown + (f" og {len(values) - 8} til" if len(values) > 8 else "")


def _extra_path_parameter(removed_path: str, other_path: str) -> str | None:
    """The name of the one "{param}" segment `other_path` has in addition to `removed_path`."""
    short, long = removed_path.strip("/").split("/"), other_path.strip("/").split("/")
    if len(long) != len(short) + 1:
        return None
    for index, segment in enumerate(long):
        if segment.startswith("{") and segment.endswith("}") and long[:index] + long[index + 1 :] == short:
            return segment[1:-1]
    return None
