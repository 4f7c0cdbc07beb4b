"""YAML from the internet, bounded: aliases, depth and size are checked before anything is built.

A few hundred bytes of YAML can name an alias of an alias ... nine levels down ("billion
laughs"); PyYAML shares the aliased objects, but everything that later walks or prints the
result expands them. `load_bounded` composes the node graph (linear in the text), walks it
without recursion counting every node as often as aliases make it appear, and refuses the
document past MAX_NODES or MAX_DEPTH; only then are Python objects constructed. The limits are
the ones `rules.yaml` has, with more depth for nested schemas.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_NODES = 200_000
MAX_DEPTH = 100


class YamlLimitError(ValueError):
    """The document is too large once its aliases are expanded, or nested too deeply."""


def load_bounded(text: str) -> Any:
    """The document in `text` as Python objects (SafeLoader), None for an empty document.

    Raises YamlLimitError past MAX_NODES (aliases expanded) or MAX_DEPTH, and yaml.YAMLError for
    a syntax error.
    """
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep") from None
        if root is None:
            return None
        problem = shape_problem(root)
        if problem is not None:
            raise YamlLimitError(problem)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def shape_problem(root: Node, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> str | None:
    """What is wrong with the size or depth of the tree under `root` (aliases expanded), or None."""
    stack: list[tuple[Node, int]] = [(root, 0)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if visited > max_nodes:
            return f"more than {max_nodes} values once its aliases (*name) are expanded"
        if depth > max_depth:
            return f"nested more than {max_depth} levels deep"
        if isinstance(node, MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
    return None
