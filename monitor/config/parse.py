"""The YAML layer under config.py: nodes with line numbers, typed reads, every problem collected.

`compose_file` turns the text into PyYAML nodes (no object construction, so no tags can run
code) and reports syntax errors with their line. `Checker` reads typed values off the nodes and
records a problem instead of raising, so one run lists everything that is wrong, each as
`file:line: path: problem (how to fix)`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterator
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
#: Far beyond any real rules.yaml; guards the recursive readers against hostile or broken files.
MAX_DEPTH = 50
MAX_NODES = 200_000
_N = TypeVar("_N", int, float)


class Checker:
    """Collects problems for one file. Read methods return None (and record why) on bad input."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._problems: list[tuple[int, int, str]] = []
        self.secret_nodes: set[int] = set()

    def problem(self, where: Node | int, path: str, message: str, fix: str | None = None) -> None:
        line = where if isinstance(where, int) else where.start_mark.line + 1
        text = f"{self.file}:{line}: {path}: {message}"
        if fix:
            text += f" ({fix})"
        self._problems.append((line, len(self._problems), text))

    @property
    def problems(self) -> list[str]:
        """Every problem, in file order."""
        return [text for _, _, text in sorted(self._problems)]

    def mapping(
        self,
        node: Node,
        path: str,
        keys: Collection[str] | None,
        required: Collection[str] = (),
    ) -> dict[str, tuple[Node, Node]] | None:
        """key → (key node, value node). Unknown keys (when `keys` is given) and missing required
        keys are problems; duplicates were reported by `duplicate_keys`, the first one is kept."""
        if not isinstance(node, MappingNode):
            self.problem(node, path, f"expected a mapping (key: value lines), found {describe(node)}")
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key_node.tag == NULL_TAG:
                self.problem(key_node, path, "keys must be plain names")
                continue
            if keys is not None and key not in keys:
                self.problem(key_node, join(path, key), "unknown key", did_you_mean(key, keys))
                continue
            entries.setdefault(key, (key_node, value_node))
        for key in required:
            if key not in entries:
                self.problem(node, path, f"missing required key '{key}'")
        return entries

    def sequence(self, node: Node, path: str, *, allow_scalar: bool = False) -> list[Node] | None:
        """The items of a list; with `allow_scalar`, a single value counts as a one-item list."""
        if isinstance(node, SequenceNode):
            return list(node.value)
        if allow_scalar and isinstance(node, ScalarNode) and node.tag != NULL_TAG:
            return [node]
        self.problem(node, path, f"expected a list, found {describe(node)}", "write '- item' lines or [a, b]")
        return None

    def text(self, node: Node, path: str) -> str | None:
        """A non-empty scalar as written (so 0301 stays '0301', not the octal number 193)."""
        if not isinstance(node, ScalarNode) or node.tag == NULL_TAG or not str(node.value).strip():
            self.problem(node, path, f"expected a text value, found {describe(node)}")
            return None
        return str(node.value).strip()

    def optional_text(self, node: Node | None, path: str) -> str | None:
        if node is None or is_null(node):
            return None
        return self.text(node, path)

    def integer(
        self, node: Node, path: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT_TAG:
            self.problem(node, path, f"expected a whole number, found {describe(node)}")
            return None
        value = int(_CONSTRUCTOR.construct_yaml_int(node))
        return self._in_range(node, path, value, minimum, maximum)

    def number(
        self, node: Node, path: str, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        if not isinstance(node, ScalarNode) or node.tag not in (INT_TAG, FLOAT_TAG):
            self.problem(node, path, f"expected a number, found {describe(node)}")
            return None
        construct = (
            _CONSTRUCTOR.construct_yaml_int if node.tag == INT_TAG else _CONSTRUCTOR.construct_yaml_float
        )
        value = float(construct(node))
        if not math.isfinite(value):
            self.problem(node, path, f"expected a number, found {describe(node)}", "write a plain number")
            return None
        return self._in_range(node, path, value, minimum, maximum)

    def _in_range(
        self, node: Node, path: str, value: _N, minimum: float | None, maximum: float | None
    ) -> _N | None:
        if minimum is not None and value < minimum:
            self.problem(node, path, f"{value} is too small", f"at least {_plain(minimum)}")
            return None
        if maximum is not None and value > maximum:
            self.problem(node, path, f"{value} is too large", f"at most {_plain(maximum)}")
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != BOOL_TAG:
            self.problem(node, path, f"expected true or false, found {describe(node)}")
            return None
        return bool(_CONSTRUCTOR.construct_yaml_bool(node))

    def choice(self, node: Node, path: str, choices: Collection[str], *, fold: bool = False) -> str | None:
        """One of `choices` (compared case-insensitively with `fold`, returning the listed spelling)."""
        value = self.text(node, path)
        if value is None:
            return None
        for choice in choices:
            if value == choice or (fold and value.casefold() == choice.casefold()):
                return choice
        hint = did_you_mean(value, choices) or "one of: " + ", ".join(choices)
        self.problem(node, path, f"'{value}' is not allowed", hint)
        return None

    def choices(self, node: Node, path: str, choices: Collection[str]) -> list[str] | None:
        """A non-empty list of distinct values from `choices` (a single value is accepted too)."""
        items = self.sequence(node, path, allow_scalar=True)
        if items is None:
            return None
        if not items:
            self.problem(node, path, "the list is empty", "remove the key to allow everything")
            return None
        values = [self.choice(item, f"{path}[{index}]", choices) for index, item in enumerate(items)]
        if any(value is None for value in values):
            return None
        return [value for value in values if value is not None]


def compose_file(checker: Checker, text: str) -> Node | None:
    """The root node of `text`, or None after recording a syntax error, an empty file or a
    second document."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = f" at column {mark.column + 1}" if mark is not None else ""
        detail = error.problem or "invalid YAML"
        if "another document" in detail:
            detail = "a second document ('---'): rules.yaml holds one"
        elif error.context:
            detail = f"{detail} ({error.context})"
        checker.problem(line, "YAML", f"syntax error{column}: {detail}", "check the indentation and quoting")
        return None
    except yaml.YAMLError as error:
        checker.problem(1, "YAML", f"cannot parse: {error}")
        return None
    except RecursionError:
        checker.problem(1, "YAML", f"nested more than {MAX_DEPTH} levels deep", "flatten the file")
        return None
    if root is None or is_null(root):
        checker.problem(
            1, "(file)", "the file is empty", "start from the documented rules.yaml in the repository"
        )
        return None
    if not isinstance(root, MappingNode):
        checker.problem(root, "(file)", f"the file must be a mapping of sections, found {describe(root)}")
        return None
    shape = _shape_problem(root)
    if shape is not None:
        node, message, fix = shape
        checker.problem(node, "YAML", message, fix)
        return None
    return root


def _shape_problem(root: Node) -> tuple[Node, str, str] | None:
    """An alias inside its own anchor (`a: &x [*x]`), nesting deeper than MAX_DEPTH, or more than
    MAX_NODES nodes once aliases are expanded (`&a`/`*a` chains): (node, problem, fix), else None.

    Every later reader walks the tree recursively, so this runs first, without recursion.
    """
    stack: list[tuple[Node, tuple[int, ...]]] = [(root, ())]
    visited = 0
    while stack:
        node, ancestors = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            return (
                node,
                f"more than {MAX_NODES} values once aliases (*name) are expanded",
                "write it out plainly",
            )
        if len(ancestors) > MAX_DEPTH:
            return node, f"nested more than {MAX_DEPTH} levels deep", "flatten the file"
        if isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            continue
        inside = (*ancestors, id(node))
        for child in children:
            if id(child) in inside:
                return (
                    child,
                    "an alias (*name) refers to an anchor (&name) that contains it",
                    "remove the loop",
                )
            stack.append((child, inside))
    return None


def duplicate_keys(checker: Checker, node: Node, path: str = "") -> None:
    """Record every key written twice in the same mapping, anywhere in the tree."""
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in seen:
                checker.problem(
                    key_node, join(path, key), f"duplicate key (first at line {seen[key]})", "keep only one"
                )
            else:
                seen[key] = line
            duplicate_keys(checker, value_node, join(path, key))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            duplicate_keys(checker, item, f"{path}[{index}]")


def scalars(node: Node, path: str = "") -> Iterator[tuple[ScalarNode, str]]:
    """Every scalar value (not keys) in the tree, with its path."""
    if isinstance(node, ScalarNode):
        yield node, path
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            yield from scalars(value_node, join(path, str(key_node.value)))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from scalars(item, f"{path}[{index}]")


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing"
    value = str(node.value)
    return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"


def did_you_mean(value: str, choices: Collection[str]) -> str | None:
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    if not matches:
        folded = {choice.casefold(): choice for choice in choices}
        matches = [folded[value.casefold()]] if value.casefold() in folded else []
    if matches:
        return f"did you mean '{matches[0]}'?"
    return None


def _plain(number: float) -> str:
    """1000000000.0 → "1000000000" (not "1e+09"), 0.1 → "0.1"."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
