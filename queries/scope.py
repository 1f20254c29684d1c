"""What a question is about: a unit's subtree, a window of local dates, and the policy in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Select, select

from queries.policy import Policy, load_policy
from queries.schema import officers, unit_tree, units, villages


@lru_cache(maxsize=1)
def settings_policy() -> Policy:
    """The policy of the settings file, read once per process."""
    return load_policy()


@dataclass(frozen=True)
class Scope:
    """A unit (None = everything) and everything below it, over [start, end] inclusive."""

    unit_code: str | None
    start: date
    end: date
    policy: Policy = field(default_factory=settings_policy)

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The equally long window just before this one."""
        return Scope(self.unit_code, self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                     self.policy)


def units_below(scope: Scope) -> Select:
    """Codes of the scope's unit and every unit under it."""
    return select(unit_tree.c.unit_code).where(unit_tree.c.ancestor_code == scope.unit_code)


def villages_in(scope: Scope) -> Select:
    """Codes of the villages whose Polsek lies in the scope."""
    query = select(villages.c.code)
    if scope.unit_code is not None:
        query = query.where(villages.c.unit_code.in_(units_below(scope)))
    return query


def officers_in(scope: Scope) -> Select:
    """NRPs of the officers whose Polsek lies in the scope."""
    query = select(officers.c.nrp)
    if scope.unit_code is not None:
        query = query.where(officers.c.unit_code.in_(units_below(scope)))
    return query


def units_at_level(scope: Scope, level: str) -> Select:
    """Codes and names of the units of a level inside the scope (the scope's unit itself included)."""
    query = select(units.c.code, units.c.name).where(units.c.level == level)
    if scope.unit_code is not None:
        query = query.where(units.c.code.in_(units_below(scope)))
    return query.order_by(units.c.code)


def polsek_parents(scope: Scope, level: str) -> Select:
    """(polsek code, its unit at `level`) for every Polsek whose unit at that level is in the scope."""
    ancestor = units.alias("ancestor")
    query = (select(unit_tree.c.unit_code.label("polsek_code"), unit_tree.c.ancestor_code.label("unit_code"))
             .join(ancestor, ancestor.c.code == unit_tree.c.ancestor_code)
             .where(ancestor.c.level == level))
    if scope.unit_code is not None:
        query = query.where(unit_tree.c.ancestor_code.in_(units_below(scope)))
    return query
