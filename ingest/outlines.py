"""Map outlines written by the import (issue 18): each scope's extent, and its villages and the units below
it simplified once for that scope's map, so a page reads them as they are instead of simplifying on each view.

A scope is a unit, or ROOT_SCOPE for the whole database. Its tolerance follows from the extent of its
villages exactly as queries/geo.py computes it for a page, so stored and computed rings are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from ingest.derive import chunks
from ingest.upsert import bulk_insert
from queries.geo import (
    MAX_MAP_VILLAGES,
    ROOT_SCOPE,
    rings_json,
    tolerance_for,
    unit_outlines,
    unite_upwards,
    village_outlines,
)
from queries.schema import outline_scopes, outlines, unit_tree, units, villages

# The village columns an outline or a scope's extent follows from: a change in one of them redraws.
OUTLINE_COLUMNS = ("geometry", "unit_code", "lat", "lng")
BOUNDS = (func.min(villages.c.min_lng), func.min(villages.c.min_lat),
          func.max(villages.c.max_lng), func.max(villages.c.max_lat))


@dataclass(frozen=True)
class Extent:
    """A scope's bounds (None without any located village) and how many villages it has."""

    bounds: tuple[float, float, float, float] | None
    villages: int

    @property
    def tolerance(self) -> float | None:
        return None if self.bounds is None else tolerance_for(self.bounds)

    @property
    def villages_stored(self) -> bool:
        # A scope with more villages than a village map draws never shows them: nothing to store.
        return self.villages <= MAX_MAP_VILLAGES

    def row(self, scope_code: str) -> dict:
        bounds = self.bounds or (None,) * 4
        return {"scope_code": scope_code, "min_lng": bounds[0], "min_lat": bounds[1], "max_lng": bounds[2],
                "max_lat": bounds[3], "tolerance": self.tolerance, "villages_stored": self.villages_stored}


@dataclass
class Tree:
    """The unit tree: each unit's level, parent, ancestors and descendants (itself excluded) and Polsek under it."""

    levels: dict[str, str]
    parents: dict[str, str]
    ancestors: dict[str, set[str]]
    descendants: dict[str, set[str]]
    polseks: dict[str, set[str]]

    def scopes_of(self, polsek: str) -> set[str]:
        """Every scope that contains a Polsek's villages: the Polsek, its ancestors and the whole database."""
        return {polsek, ROOT_SCOPE, *self.ancestors.get(polsek, ())}

    def units_below(self, scope: str) -> set[str]:
        """Units strictly below a scope, whose outlines its map draws."""
        return set(self.levels) if scope == ROOT_SCOPE else self.descendants[scope]


def load_tree(conn: Connection) -> Tree:
    levels = dict(conn.execute(select(units.c.code, units.c.level)).all())
    ancestors: dict[str, set[str]] = {code: set() for code in levels}
    descendants: dict[str, set[str]] = {code: set() for code in levels}
    polseks: dict[str, set[str]] = {code: set() for code in levels}
    parents: dict[str, str] = {}
    for ancestor, unit, depth in conn.execute(select(unit_tree.c.ancestor_code, unit_tree.c.unit_code,
                                                     unit_tree.c.depth)):
        if depth > 0:
            ancestors[unit].add(ancestor)
            descendants[ancestor].add(unit)
        if depth == 1:
            parents[unit] = ancestor
        if levels.get(unit) == "polsek":
            polseks[ancestor].add(unit)
    polseks[ROOT_SCOPE] = {code for code, level in levels.items() if level == "polsek"}
    return Tree(levels, parents, ancestors, descendants, polseks)


def scope_extents(conn: Connection, tree: Tree) -> dict[str, Extent]:
    """Every scope's extent, from the villages' bounding boxes (one grouped query)."""
    found = {code: Extent(None, 0) for code in tree.levels}
    grouped = (select(unit_tree.c.ancestor_code, *BOUNDS, func.count())
               .join(villages, villages.c.unit_code == unit_tree.c.unit_code).group_by(unit_tree.c.ancestor_code))
    for code, *bounds, count in [*conn.execute(grouped), (ROOT_SCOPE, *conn.execute(select(*BOUNDS, func.count())
                                                                                   .select_from(villages)).one())]:
        found[code] = Extent(None if bounds[0] is None else tuple(float(v) for v in bounds), count)
    return found


def refresh_outlines(conn: Connection, changed: Iterable[str] | None = None, old_polseks: Iterable[str] = ()) -> None:
    """Bring the stored outlines up to date after these villages changed (None: rebuild every scope).

    `changed` are villages new or changed in polygon, location or Polsek; `old_polseks` the Polsek they
    left. Only the scopes holding them are touched; such a scope whose extent moved (so its tolerance did)
    is redrawn entirely. The unit tree must be current (derive.refresh_unit_tree).
    """
    tree = load_tree(conn)
    extents = scope_extents(conn, tree)
    if changed is None:
        conn.execute(outlines.delete())
        conn.execute(outline_scopes.delete())
        changed_villages: set[str] = set(conn.execute(select(villages.c.code)).scalars())
        touched = set(extents)
        redrawn = touched
    else:
        changed_villages = set(changed)
        polseks = set(old_polseks) | set(_polsek_of(conn, changed_villages).values())
        touched = {scope for polsek in polseks for scope in tree.scopes_of(polsek)}
        stored = {row.scope_code: (row.tolerance, row.villages_stored)
                  for row in conn.execute(select(outline_scopes).where(outline_scopes.c.scope_code.in_(touched)))}
        redrawn = {scope for scope in touched
                   if stored.get(scope) != (extents[scope].tolerance, extents[scope].villages_stored)}
        _delete_rows(conn, touched, redrawn, changed_villages)
    if not touched:
        return
    _write_outlines(conn, tree, extents, touched, redrawn, changed_villages)
    conn.execute(outline_scopes.delete().where(outline_scopes.c.scope_code.in_(touched)))
    bulk_insert(conn, outline_scopes, [extents[scope].row(scope) for scope in sorted(touched)])


def _polsek_of(conn: Connection, codes: set[str]) -> dict[str, str]:
    found = {}
    for chunk in chunks(sorted(codes)):
        rows = conn.execute(select(villages.c.code, villages.c.unit_code).where(villages.c.code.in_(chunk)))
        found.update(rows.all())
    return found


def _delete_rows(conn: Connection, touched: set[str], redrawn: set[str], changed: set[str]) -> None:
    """Rows about to be rewritten: every row of a redrawn scope, the changed villages' and the touched units'."""
    for chunk in chunks(sorted(redrawn)):
        conn.execute(outlines.delete().where(outlines.c.scope_code.in_(chunk)))
    for chunk in chunks(sorted(changed)):
        conn.execute(outlines.delete().where(outlines.c.kind == "village", outlines.c.code.in_(chunk)))
    for chunk in chunks(sorted(touched - {ROOT_SCOPE})):
        conn.execute(outlines.delete().where(outlines.c.kind != "village", outlines.c.code.in_(chunk)))


def _write_outlines(conn: Connection, tree: Tree, extents: dict[str, Extent], touched: set[str],
                    redrawn: set[str], changed: set[str]) -> None:
    """Simplify and store the village and unit outlines of these scopes (only the changed ones where kept)."""
    drawn = {scope for scope in touched if extents[scope].bounds is not None}
    unit_pairs = {(unit, scope) for unit in touched - {ROOT_SCOPE} for scope in tree.ancestors[unit] | {ROOT_SCOPE}}
    unit_pairs |= {(unit, scope) for scope in redrawn for unit in tree.units_below(scope)}
    unit_pairs = {(unit, scope) for unit, scope in unit_pairs if scope in drawn}
    village_scopes = {scope for scope in drawn if extents[scope].villages_stored}
    polseks = {polsek for unit, _ in unit_pairs for polsek in tree.polseks[unit] | {unit}}
    polseks |= {polsek for scope in village_scopes & redrawn for polsek in tree.polseks[scope]}
    codes, polsek_of, geometries = _load_geometries(conn, polseks, changed)
    if not codes:
        return
    village_pairs = [(index, scope) for index, (code, polsek) in enumerate(zip(codes, polsek_of))
                     for scope in tree.scopes_of(polsek) & village_scopes
                     if scope in redrawn or code in changed]
    rows = _simplified_rows("village", [codes[i] for i, _ in village_pairs], geometries[[i for i, _ in village_pairs]],
                            [scope for _, scope in village_pairs], extents)
    unions = _unions(tree, unit_pairs, polsek_of, geometries)
    pairs = sorted((unit, scope) for unit, scope in unit_pairs if unit in unions)
    for level in {tree.levels[unit] for unit, _ in pairs}:
        chosen = [(unit, scope) for unit, scope in pairs if tree.levels[unit] == level]
        rows += _simplified_rows(level, [unit for unit, _ in chosen], np.array([unions[unit] for unit, _ in chosen]),
                                 [scope for _, scope in chosen], extents, unit_outlines)
    if rows:
        bulk_insert(conn, outlines, rows)


def _load_geometries(conn: Connection, polseks: set[str], changed: set[str]):
    """Codes, Polsek and parsed polygons of the villages under these Polsek or changed, in code order."""
    found: dict[str, tuple[str, str]] = {}
    columns = (villages.c.code, villages.c.unit_code, villages.c.geometry)
    for column, values in ((villages.c.unit_code, polseks), (villages.c.code, changed)):
        for chunk in chunks(sorted(values)):
            rows = conn.execute(select(*columns).where(column.in_(chunk), villages.c.geometry.is_not(None)))
            found.update((code, (polsek, geometry)) for code, polsek, geometry in rows)
    codes = sorted(found)
    return codes, [found[code][0] for code in codes], shapely.from_geojson([found[code][1] for code in codes])


def _unions(tree: Tree, pairs: set[tuple[str, str]], polsek_of: list[str], geometries) -> dict:
    """Each unit of the pairs united from its villages level by level, as queries/geo.py unit_shapes does."""
    wanted = {unit for unit, _ in pairs}
    needed = wanted | {below for unit in wanted for below in tree.descendants[unit]}
    chosen = [index for index, polsek in enumerate(polsek_of) if polsek in needed]
    parents = {unit: parent for unit, parent in tree.parents.items() if unit in needed and parent in needed}
    unions = unite_upwards([polsek_of[index] for index in chosen], geometries[chosen], parents)
    return {unit: unions[unit] for unit in wanted if unit in unions}


def _simplified_rows(kind: str, codes: list[str], geometries, scopes: list[str], extents: dict[str, Extent],
                     draw=village_outlines) -> list[dict]:
    """Rows of `outlines`: each geometry drawn for its scope's map, in one vectorised pass."""
    if not codes:
        return []
    tolerances = np.array([extents[scope].tolerance for scope in scopes])
    simplified = draw(geometries, tolerances)
    return [{"scope_code": scope, "kind": kind, "code": code, "rings": rings}
            for code, scope, rings in zip(codes, scopes, rings_json(simplified))]
