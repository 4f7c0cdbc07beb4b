"""YAML from the internet, bounded: aliases, depth and size are checked before anything is built.

A few hundred bytes of YAML can name an alias of an alias ... nine levels down ("billion
laughs"); PyYAML shares the aliased objects, but everything that later walks or prints the
result expands them. `load_bounded` composes the node graph (linear in the text), works out the
expanded size and depth of every distinct node once, without recursion, and refuses the document
past MAX_NODES or MAX_DEPTH; only then are Python objects constructed. The limits are
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
    """What is wrong with the size or depth of the tree under `root` (aliases expanded), or None.

    Each distinct node is visited once (post-order, without recursion) and its expanded size and
    depth are remembered, so an alias chain costs as much as its text, not as its expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, depth below it)
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not children_done:
            if key in open_nodes:
                return "an alias (*name) refers to an anchor (&name) that contains it"
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        open_nodes.discard(key)
        if any(id(child) not in sizes for child in children):
            return "an alias (*name) refers to an anchor (&name) that contains it"
        size = 1 + sum(sizes[id(child)][0] for child in children)
        depth = 1 + max((sizes[id(child)][1] for child in children), default=0)
        if size > max_nodes:
            return f"more than {max_nodes} values once its aliases (*name) are expanded"
        if depth > max_depth:
            return f"nested more than {max_depth} levels deep"
        sizes[key] = (size, depth)
    return None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []
