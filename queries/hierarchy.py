"""The unit hierarchy Polda → Polres → Polsek, written once: its levels, each level's parent and child,
a unit's chain of ancestors and the level a scope is made of.

The import contract, the schema, the sidebar pickers, the exports and the briefing all read it here.
It imports nothing of the project, so every layer can use it; the SQL over the
stored tree (a unit's subtree, a scope's level) is in queries/scope.py.
"""

from __future__ import annotations

from collections.abc import Mapping

LEVELS = ("polda", "polres", "polsek")  # top down; an officer's and a village's unit is always a Polsek
LEVEL_ORDER = {level: depth for depth, level in enumerate(LEVELS)}
# None stands for the national scope, above every Polda.
PARENT_LEVEL: dict[str, str | None] = {level: LEVELS[depth - 1] if depth else None
                                       for depth, level in enumerate(LEVELS)}
CHILD_LEVEL: dict[str | None, str | None] = {None: LEVELS[0], **{level: LEVELS[depth + 1] if depth + 1 < len(LEVELS)
                                                                 else None for depth, level in enumerate(LEVELS)}}


def levels_below(level: str | None) -> tuple[str, ...]:
    """The levels under a unit of `level` (every level under the national scope, None)."""
    return LEVELS if level is None else LEVELS[LEVEL_ORDER[level] + 1:]


def partition_level(level: str | None) -> str:
    """The level whose units together make up a scope of `level`: its children, or a Polsek itself."""
    return CHILD_LEVEL[level] or LEVELS[-1]


def chain(parents: Mapping[str, str | None], code: str | None) -> list[str]:
    """The codes from the Polda down to `code` itself, given each unit's parent (empty for None or an unknown code)."""
    codes: list[str] = []
    while code is not None and code in parents:
        codes.insert(0, code)
        code = parents[code]
    return codes
