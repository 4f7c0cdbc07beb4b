"""The package layout's import rules: stages below, composers above, no arrow pointing up.

Each unit is a package of `monitor` (or a top-level module). A unit may import only the units
listed for it. `pipeline`, `service`, `cli` and `demo` compose the stages; no stage imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"

# "monitor": USER_AGENT, __version__; "localtime": how every command shows a time (Europe/Oslo + offset)
# "texts": the nb/nn wording every stage that writes for people shares (route's why, deliver, probes)
FOUNDATION = {"errors", "model", "redact", "catalogue", "localtime", "monitor", "texts"}
ALLOWED: dict[str, set[str]] = {
    "hosts": set(),  # pure host rules (redirects, links), used by fetch and sources
    "listen": {"errors"},  # a local HTTP server on a configured host:port (status page, metrics)
    "errors": set(),
    "model": set(),
    "redact": set(),
    "localtime": set(),
    "catalogue": set(),
    "texts": set(),
    "classify": {"errors", "model"},
    "config": FOUNDATION | {"classify"},
    "store": FOUNDATION | {"config"},
    "fetch": FOUNDATION | {"config", "hosts"},
    "diff": FOUNDATION,
    "sources": FOUNDATION | {"config", "hosts"},
    "docs": FOUNDATION | {"config", "store"},
    "route": FOUNDATION | {"config", "store"},
    "deliver": FOUNDATION | {"config", "store"},
    "probes": FOUNDATION | {"config", "store", "route", "deliver"},
    "pipeline": FOUNDATION
    | {"config", "store", "fetch", "diff", "sources", "classify", "docs", "route", "deliver", "probes"},
    # web: the read-only status page; it reads the store and names things as alerts do (deliver.render).
    "web": FOUNDATION | {"config", "store", "deliver", "listen"},
    # report: reads the history and the rules, judges them with the routing (and, for the backtest,
    # the classifier) and names silences as the deliver side does; it never sends or writes.
    "report": FOUNDATION | {"config", "store", "route", "classify", "deliver"},
    # service → sources: the daily `sources check` job reads each source with its parser; → web: it serves it.
    "service": FOUNDATION
    | {
        "config",
        "store",
        "fetch",
        "classify",
        "route",
        "deliver",
        "probes",
        "pipeline",
        "docs",
        "sources",
        "web",
        "listen",
    },
    "demo": FOUNDATION
    | {"config", "store", "fetch", "classify", "route", "deliver", "probes", "pipeline", "docs", "sources"},
    "cli": set(),  # filled below: the CLI may import anything
    "__main__": {"cli"},
}
ALLOWED["cli"] = set(ALLOWED) - {"cli", "__main__"} | {"monitor"}


def _unit(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "monitor"


def import_graph() -> dict[str, set[str]]:
    """unit → the monitor units it imports (lazy imports inside functions included)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        source = _unit(module)
        targets = graph.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "monitor":
                if node.module == "monitor":
                    names = [f"monitor.{alias.name}" for alias in node.names]
                    targets.update(
                        _unit(n)
                        if (PACKAGE / n.split(".")[1]).exists()
                        or (PACKAGE / f"{n.split('.')[1]}.py").exists()
                        else "monitor"
                        for n in names
                    )
                else:
                    targets.add(_unit(node.module))
            elif isinstance(node, ast.Import):
                targets.update(_unit(alias.name) for alias in node.names if alias.name.startswith("monitor."))
        targets.discard(source)
    return graph


def test_import_graph_has_no_arrow_the_layers_forbid() -> None:
    graph = import_graph()
    unknown = sorted(set(graph) - set(ALLOWED) - {"monitor"})
    assert unknown == [], f"new units {unknown}: add them to ALLOWED with the arrows they may use"
    forbidden = sorted(
        f"{source} → {target}"
        for source, targets in graph.items()
        for target in targets - ALLOWED.get(source, FOUNDATION)
    )
    assert forbidden == []


def test_stages_never_import_a_composer() -> None:
    composers = {"pipeline", "service", "cli", "demo"}
    graph = import_graph()
    stages = set(graph) - composers - {"__main__", "monitor"}
    assert stages, "no stage found: the graph is empty"
    assert {(stage, target) for stage in stages for target in graph[stage] & composers} == set()
    assert "deliver" not in graph["store"] and "route" in graph["pipeline"]


def test_no_module_is_named_by_a_package_prefix() -> None:
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    prefixed = sorted(
        m for m in modules for p in packages | {"config", "probe"} if m != p and m.startswith(p)
    )
    assert prefixed == []


def test_readme_tree_names_every_package_and_top_level_module() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    tree = readme.split("\nmonitor/\n", 1)[1].split("```", 1)[0]
    entries = [line.split()[0] for line in tree.splitlines() if line.startswith("  ") and line[2] != " "]
    named = {entry.rstrip("/").removesuffix(".py") for entry in entries}
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert named == packages | modules
