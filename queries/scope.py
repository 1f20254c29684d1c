"""What a question is about: a unit's subtree, a window of local dates, and the policy in force."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Connection, Select, or_, select

from queries.policy import Policy, load_policy
from queries.schema import assignments, officers, unit_tree, units, villages


@lru_cache(maxsize=1)
def settings_policy() -> Policy:
    """The policy of the settings file, read once per process."""
    return load_policy()


@dataclass(frozen=True)
class Scope:
    """A unit (None = everything) and everything below it, over [start, end] inclusive.

    `boundary` is the signed-in user's home unit: whatever unit is asked for, every query
    stays inside the boundary's subtree (a unit outside it simply has no rows). With `nrp`,
    the scope narrows to one officer: their reports, and the villages assigned to them
    during the window. With `people` False, officers' names and NRPs are masked.
    """

    unit_code: str | None
    start: date
    end: date
    policy: Policy = field(default_factory=settings_policy)
    nrp: str | None = None
    boundary: str | None = None
    people: bool = True

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The equally long window just before this one."""
        return dataclasses.replace(self, start=self.start - timedelta(days=self.days),
                                   end=self.start - timedelta(days=1))


def subtree(unit_code: str) -> Select:
    """Codes of a unit and every unit under it."""
    return select(unit_tree.c.unit_code).where(unit_tree.c.ancestor_code == unit_code)


def scope_level(conn: Connection, scope: Scope) -> str | None:
    """The level of the scope's unit (None for the national scope)."""
    if scope.unit_code is None:
        return None
    return conn.execute(select(units.c.level).where(units.c.code == scope.unit_code)).scalar_one()


def within(column, scope: Scope) -> list:
    """Conditions keeping a unit-code column inside the scope's unit and inside the user's boundary."""
    return [column.in_(subtree(code)) for code in (scope.unit_code, scope.boundary) if code is not None]


def units_below(scope: Scope) -> Select:
    """Codes of the scope's unit and every unit under it (inside the boundary)."""
    return select(units.c.code).where(*within(units.c.code, scope))


def villages_in(scope: Scope) -> Select:
    """Codes of the villages whose Polsek lies in the scope (an officer's: assigned during the window)."""
    query = select(villages.c.code).where(*within(villages.c.unit_code, scope))
    if scope.nrp is not None:
        query = query.where(villages.c.code.in_(
            select(assignments.c.village_code).where(
                assignments.c.nrp == scope.nrp, assignments.c.start_date <= scope.end,
                or_(assignments.c.end_date.is_(None), assignments.c.end_date >= scope.start))))
    return query


def officers_in(scope: Scope) -> Select:
    """NRPs of the officers whose Polsek lies in the scope (or the scope's one officer)."""
    query = select(officers.c.nrp).where(*within(officers.c.unit_code, scope))
    if scope.nrp is not None:
        query = query.where(officers.c.nrp == scope.nrp)
    return query


def units_at_level(scope: Scope, level: str) -> Select:
    """Codes and names of the units of a level inside the scope (the scope's unit itself included)."""
    return (select(units.c.code, units.c.name).where(units.c.level == level, *within(units.c.code, scope))
            .order_by(units.c.code))


def polsek_parents(scope: Scope, level: str) -> Select:
    """(polsek code, its unit at `level`) for every Polsek whose unit at that level is in the scope."""
    ancestor = units.alias("ancestor")
    return (select(unit_tree.c.unit_code.label("polsek_code"), unit_tree.c.ancestor_code.label("unit_code"))
            .join(ancestor, ancestor.c.code == unit_tree.c.ancestor_code)
            .where(ancestor.c.level == level, *within(unit_tree.c.ancestor_code, scope),
                   *within(unit_tree.c.unit_code, scope)))
