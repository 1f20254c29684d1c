"""The Polda → Polres → Polsek hierarchy on a hand-made tree."""

from __future__ import annotations

from datetime import date

import pandas as pd

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
