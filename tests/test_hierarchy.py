"""The Polda → Polres → Polsek hierarchy on a hand-made tree, and the query layer free of import cycles."""

from __future__ import annotations

import ast
from datetime import date

import pandas as pd

from conftest import PROJECT_DIR
from queries.hierarchy import CHILD_LEVEL, LEVEL_ORDER, LEVELS, PARENT_LEVEL, chain, levels_below, partition_level
from queries.schema import units
from queries.scope import Scope, scope_level

# PD-1 ─┬─ PR-1.1 ─┬─ PS-1.1.1
#       │          └─ PS-1.1.2
#       └─ PR-1.2 ─── PS-1.2.1
# PD-2   (no Polres yet)
PARENTS = {"PD-1": None, "PD-2": None, "PR-1.1": "PD-1", "PR-1.2": "PD-1", "PS-1.1.1": "PR-1.1",
           "PS-1.1.2": "PR-1.1", "PS-1.2.1": "PR-1.2"}


def test_levels_parents_and_children():
    assert LEVELS == ("polda", "polres", "polsek")
    assert LEVEL_ORDER == {"polda": 0, "polres": 1, "polsek": 2}
    assert PARENT_LEVEL == {"polda": None, "polres": "polda", "polsek": "polres"}
    assert CHILD_LEVEL == {None: "polda", "polda": "polres", "polres": "polsek", "polsek": None}


def test_levels_below_and_the_level_a_scope_is_made_of():
    assert levels_below(None) == ("polda", "polres", "polsek")
    assert levels_below("polda") == ("polres", "polsek")
    assert levels_below("polres") == ("polsek",)
    assert levels_below("polsek") == ()
    assert [partition_level(level) for level in (None, "polda", "polres", "polsek")] == [
        "polda", "polres", "polsek", "polsek"]


def test_the_chain_of_ancestors_on_a_hand_made_tree():
    assert chain(PARENTS, "PS-1.1.2") == ["PD-1", "PR-1.1", "PS-1.1.2"]
    assert chain(PARENTS, "PS-1.2.1") == ["PD-1", "PR-1.2", "PS-1.2.1"]
    assert chain(PARENTS, "PR-1.1") == ["PD-1", "PR-1.1"]
    assert chain(PARENTS, "PD-2") == ["PD-2"]
    assert chain(PARENTS, None) == []
    assert chain(PARENTS, "PS-9.9.9") == []  # a code that is not in the tree (a stale link)


def test_the_sidebar_chain_reads_a_units_frame_whose_poldas_have_no_parent():
    from components.filters import unit_chain

    parents = [parent or float("nan") for parent in PARENTS.values()]
    frame = pd.DataFrame({"code": list(PARENTS), "parent_code": parents})
    assert unit_chain(frame, "PS-1.1.1") == ["PD-1", "PR-1.1", "PS-1.1.1"]


def test_the_level_of_a_scope_is_read_from_the_stored_tree(engine):
    levels = {"PD-1": "polda", "PD-2": "polda", "PR-1.1": "polres", "PR-1.2": "polres", "PS-1.1.1": "polsek",
              "PS-1.1.2": "polsek", "PS-1.2.1": "polsek"}
    with engine.begin() as conn:
        conn.execute(units.insert(), [{"code": code, "name": code, "level": levels[code], "parent_code": parent,
                                       "timezone": "Asia/Jakarta"} for code, parent in PARENTS.items()])
    window = (date(2024, 3, 1), date(2024, 3, 31))
    with engine.connect() as conn:
        assert scope_level(conn, Scope(None, *window)) is None
        assert [scope_level(conn, Scope(code, *window)) for code in ("PD-2", "PR-1.2", "PS-1.1.2")] == [
            "polda", "polres", "polsek"]


def project_imports(package: str) -> dict[str, set[str]]:
    """Every module of a package with the project modules it imports, at the top or inside a function."""
    graph = {}
    for path in sorted((PROJECT_DIR / package).glob("*.py")):
        module = f"{package}.{path.stem}"
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found |= {name for name in names if name.split(".")[0] in ("queries", "ingest", "components")}
        graph[module] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles among the graph's modules (each found once, from its first module)."""
    found, done = [], set()

    def visit(module, path):
        if module in path:
            found.append(path[path.index(module):] + [module])
            return
        if module in done or module not in graph:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def test_the_query_and_ingest_layers_import_each_other_without_a_cycle():
    graph = project_imports("queries") | project_imports("ingest")
    assert len(graph) > 30  # the walk really read the modules
    assert "queries.compliance" in graph["ingest.rollups"] and "queries.rollups" in graph["queries.compliance"]
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_query_layer_never_imports_the_user_interface():
    for module, imported in (project_imports("queries") | project_imports("ingest")).items():
        assert not {name for name in imported if name.startswith("components")}, module
