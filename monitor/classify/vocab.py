"""The classifier's vocabulary: named term groups compiled to regular expressions.

Built-in groups come from `monitor/data/vocabulary.yaml`; rules.yaml's `vocabulary:` section may
add terms to a group (never create one). Term syntax is described at the top of the data file.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources

import yaml

DATA_PACKAGE = "monitor.data"
DATA_FILE = "vocabulary.yaml"


@dataclass(frozen=True)
class Vocabulary:
    """Term groups (group name → terms), each term compiled on its own.

    A big alternation is slow in Python's `re`, so each term also has the literal text it
    cannot match without (or None); a search runs only the terms whose literal occurs in the
    text and merges their matches left to right.
    """

    groups: Mapping[str, tuple[str, ...]]
    compiled: Mapping[str, tuple[re.Pattern[str], ...]] = field(repr=False)
    literals: Mapping[str, tuple[str | None, ...]] = field(repr=False)

    def _active(self, group: str, text: str) -> list[re.Pattern[str]]:
        lowered = text.lower()
        return [
            pattern
            for pattern, literal in zip(self.compiled[group], self.literals[group], strict=True)
            if literal is None or literal in lowered
        ]

    def find(self, group: str, text: str) -> Iterator[re.Match[str]]:
        """Every non-overlapping match of the group's terms in `text`, left to right
        (at one position the longest match wins)."""
        found = [match for pattern in self._active(group, text) for match in pattern.finditer(text)]
        found.sort(key=lambda match: (match.start(), -match.end()))
        end = -1
        for match in found:
            if match.start() >= end and match.end() > match.start():
                end = match.end()
                yield match

    def first(self, group: str, text: str) -> re.Match[str] | None:
        """The leftmost match of any of the group's terms, or None."""
        best: re.Match[str] | None = None
        for pattern in self._active(group, text):
            match = pattern.search(text)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best

    def has(self, group: str, text: str) -> bool:
        return any(pattern.search(text) for pattern in self._active(group, text))


def required_literal(pattern: str) -> str | None:
    """The longest run of letters every match of `pattern` must contain, lower-cased, or None.

    Only text outside groups and classes counts; a top-level `|` means no literal is required.
    """
    runs: list[str] = []
    current = ""
    depth, index, in_class = 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            runs.append(current)
            current, index = "", index + 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            runs.append(current)
            current = ""
        elif char in "(":
            depth += 1
            runs.append(current)
            current = ""
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return None
        elif depth == 0 and char in "?*{":
            current = current[:-1]
            runs.append(current)
            current = ""
        elif depth == 0 and (char.isalpha() or char in "-'. "):
            current += char
        else:
            runs.append(current)
            current = ""
        index += 1
    runs.append(current)
    best = max((run.strip().lower() for run in runs), key=len, default="")
    return best if len(best) >= 3 and best.replace("-", "").replace(" ", "").isalpha() else None


def term_pattern(term: str) -> str:
    """One term (see the data file's header) as a regular-expression source string.

    Raises re.error (via compile in callers) for a bad `re:` term; ValueError for an empty one.
    """
    term = term.strip()
    if not term:
        raise ValueError("empty term")
    if term.startswith("re:"):
        return term[3:]
    words = [word for word in re.split(r"[\s\-]+", term) if word]
    if not words:
        raise ValueError(f"term {term!r} has no letters")
    parts: list[str] = []
    for index, word in enumerate(words):
        core = word.strip("*")
        first, last = index == 0, index == len(words) - 1
        # \b-anchored and lazy, so a compound search starts only at word starts (fast).
        if word.startswith("*") and len(word) > 1:
            prefix = r"\b\w*?" if first else r"\w*?"
        else:
            prefix = r"\b" if first and core[:1].isalnum() else ""
        suffix = r"\w*" if word.endswith("*") and len(word) > 1 else ""
        if last and core[-1:].isalnum():
            suffix += r"\b"
        parts.append(prefix + re.escape(core) + suffix)
    return r"[\s\-]*".join(parts)


def _compile(term: str) -> re.Pattern[str]:
    return re.compile(term_pattern(term), re.IGNORECASE)


@functools.cache
def builtin_groups() -> dict[str, tuple[str, ...]]:
    """The built-in data file's groups, read once."""
    source = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    loaded = yaml.safe_load(source)
    return {str(name): tuple(str(term) for term in terms or ()) for name, terms in loaded.items()}


def term_problems(group: str, terms: object) -> list[str]:
    """Problems with one group's extra terms (not a list of strings, empty, bad regex)."""
    where = f"vocabulary.{group}"
    if isinstance(terms, str):
        terms = (terms,)
    if not isinstance(terms, (list, tuple)):
        return [f"{where}: expected a list of terms, got {type(terms).__name__}"]
    problems = []
    for index, term in enumerate(terms):
        if not isinstance(term, str):
            problems.append(f"{where}[{index}]: a term must be text, got {type(term).__name__}")
            continue
        try:
            re.compile(term_pattern(term))
        except (ValueError, re.error) as error:
            problems.append(f"{where}[{index}]: bad term {term!r}: {error} (see the syntax in {DATA_FILE})")
    return problems


def validate(extra: object) -> list[str]:
    """Every problem with an admin's `vocabulary:` mapping (group name → extra terms)."""
    if extra is None:
        return []
    if not isinstance(extra, Mapping):
        return [f"vocabulary: expected a mapping of group name to terms, got {type(extra).__name__}"]
    known = builtin_groups()
    problems: list[str] = []
    for group, terms in extra.items():
        if group not in known:
            close = difflib.get_close_matches(str(group), list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listed = ", ".join(sorted(known))
            problems.append(f"vocabulary.{group}: unknown group '{group}' (known groups: {listed}){hint}")
            continue
        problems.extend(term_problems(str(group), terms))
    return problems


def build(extra: Mapping[str, tuple[str, ...]] | None = None) -> Vocabulary:
    """The built-in vocabulary extended by `extra`; raises ValueError listing every problem."""
    problems = validate(extra)
    if problems:
        raise ValueError("; ".join(problems))
    groups = dict(builtin_groups())
    for group, terms in (extra or {}).items():
        more = (terms,) if isinstance(terms, str) else tuple(terms)
        groups[group] = groups[group] + tuple(term for term in more if term not in groups[group])
    compiled = {name: tuple(_compile(term) for term in terms) for name, terms in groups.items()}
    literals = {name: tuple(_literal(term) for term in terms) for name, terms in groups.items()}
    return Vocabulary(groups, compiled, literals)


def _literal(term: str) -> str | None:
    if term.startswith("re:"):
        return required_literal(term[3:])
    words = [word.strip("*") for word in re.split(r"[\s\-]+", term.strip()) if word.strip("*")]
    longest = max(words, key=len, default="")
    return longest.lower() if len(longest) >= 2 else None


@functools.cache
def default() -> Vocabulary:
    """The built-in vocabulary, compiled once per process."""
    return build(None)
