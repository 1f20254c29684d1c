"""The shared sidebar filters: language, unit (Polda → Polres → Polsek) and date window.

The chosen unit lives in st.session_state["unit"] (None = everything), so a page can
drill down by setting it; the three pickers are redrawn from it on every run.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components import data
from components.i18n import LANGUAGES, fmt_date, fmt_int, fmt_local_moment, t, t_plural
from components.safe import md
from queries.accounts import User
from queries.hierarchy import LEVELS, chain
from queries.scope import Scope

ALL = ""  # picker value for "every unit at this level"
DEFAULT_WINDOW_DAYS = 30


def language_picker() -> None:
    """Bahasa Indonesia by default; English on request."""
    st.session_state.setdefault("lang", "id")
    st.sidebar.radio(t("sidebar.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang",
                     horizontal=True)


def unit_chain(units: pd.DataFrame, code: str | None) -> list[str]:
    """The codes from the Polda down to `code` (empty for everything)."""
    return chain(dict(zip(units["code"], units["parent_code"])), code)


def unit_picker(units: pd.DataFrame, root: str | None) -> str | None:
    """Cascading pickers below the user's home unit (root; None = national); returns the chosen unit.

    A unit outside the root's subtree (from a stale session or a link) falls back to the root.
    """
    names = dict(zip(units["code"], units["name"]))
    allowed = data.units_within(root)
    current = st.session_state.get("unit", root)
    if current not in allowed and current is not None or current is None and root is not None:
        current = st.session_state["unit"] = root
    chain = unit_chain(units, current)
    start = chain.index(root) + 1 if root is not None else 0
    if root is not None:
        st.sidebar.caption(md(names.get(root, root)))  # the home unit, above the pickers for the units below it
    parent = root
    for depth, level in enumerate(LEVELS):
        options = units.loc[(units["level"] == level) & (units["parent_code"].isna() if parent is None
                                                         else units["parent_code"] == parent), "code"].tolist()
        if depth < start:
            continue
        if not options:
            break
        key = f"pick_{level}"
        st.session_state[key] = chain[depth] if depth < len(chain) else ALL
        st.sidebar.selectbox(
            t(f"sidebar.{level}"), [ALL] + options, key=key, on_change=_picked, args=(level, parent),
            format_func=lambda code, level=level, parent=parent: names.get(code) or (
                t(f"sidebar.all_{level}") + (f" ({names[parent]})" if parent else "")),
        )
        if depth >= len(chain):
            break
        parent = chain[depth]
    return current


def next_unit_toward(scope: Scope, polsek_code: str) -> str | None:
    """The unit one level below the scope on the way down to a Polsek (None if the scope is that Polsek)."""
    chain = unit_chain(data.unit_list(), polsek_code)
    position = chain.index(scope.unit_code) if scope.unit_code in chain else -1
    return chain[position + 1] if position + 1 < len(chain) else None


def drill_to(unit_code: str) -> None:
    """Narrow the scope to a unit (from a ranking or the map); the sidebar pickers follow."""
    st.session_state["unit"] = unit_code
    st.rerun()


def _picked(level: str, parent: str | None) -> None:
    """A picker changed: its unit (or, for "all", its parent) becomes the scope."""
    choice = st.session_state[f"pick_{level}"]
    st.session_state["unit"] = choice or parent


def window_picker() -> tuple[date, date] | None:
    """The date window; by default the 30 days ending at the latest activity (not today)."""
    first, last = data.data_date_range()
    _, last_activity = data.activity_date_range()
    end = last_activity or last
    if "window" not in st.session_state:
        st.session_state["window"] = (max(first, end - timedelta(days=DEFAULT_WINDOW_DAYS - 1)), end)
    else:
        # A window kept from before an import (or set from a link) must stay inside the data's range.
        st.session_state["window"] = tuple(min(max(day, first), last) for day in st.session_state["window"])
    chosen = st.sidebar.date_input(t("sidebar.window"), key="window", min_value=first, max_value=last,
                                   help=t("sidebar.window_help", days=DEFAULT_WINDOW_DAYS), format="DD/MM/YYYY")
    st.sidebar.caption(t("sidebar.data_range", first=fmt_date(first), last=fmt_date(last)))
    if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
        st.session_state["last_window"] = tuple(chosen)
        return tuple(chosen)
    st.sidebar.info(t("sidebar.window_incomplete"))
    return st.session_state.get("last_window")


def sidebar_scope(user: User) -> Scope | None:
    """Draw the shared filters and return the scope they describe (None when there is no data).

    The scope carries the user's home unit as its boundary, so no choice here (or in the URL)
    can reach data outside it; the query layer enforces that, the pickers only reflect it.
    """
    units = data.unit_list()
    first, last = data.data_date_range()
    if units.empty or first is None:
        return None
    if "scope_from_link" not in st.session_state:
        st.session_state["scope_from_link"] = True
        scope_from_link(set(data.units_within(user.home_unit)), first, last)
    st.sidebar.subheader(t("sidebar.unit"))
    unit = unit_picker(units, user.home_unit)
    window = window_picker()
    if window is None:
        return None
    scope = Scope(unit, window[0], window[1], boundary=user.home_unit, people=user.sees_names)
    st.session_state["scope"] = scope
    # The address bar always shows the scope, so a link opens the same view.
    st.query_params.update({"unit": unit or "", "start": scope.start.isoformat(), "end": scope.end.isoformat()})
    return scope


def scope_from_link(codes: set[str], first: date, last: date) -> None:
    """A shared link (?unit=PR-35.21&start=2022-04-16&end=2022-05-15) opens that scope; bad values are ignored."""
    unit = st.query_params.get("unit")
    if unit in codes:
        st.session_state["unit"] = unit
    try:
        start, end = date.fromisoformat(st.query_params["start"]), date.fromisoformat(st.query_params["end"])
    except (KeyError, ValueError):
        return
    if first <= start <= end <= last:
        st.session_state["window"] = (start, end)


def unit_name(unit_code: str | None) -> str:
    """The unit's name ("Nasional" for the whole data set)."""
    if unit_code is None:
        return t("scope.national")
    units = data.unit_list()
    return dict(zip(units["code"], units["name"])).get(unit_code, unit_code)


def scope_label(scope: Scope, markdown: bool = True) -> str:
    """"Polres Ngawi · 16 April 2022 – 15 Mei 2022 (30 hari)" (escaped for markdown unless told otherwise)."""
    name = unit_name(scope.unit_code)
    return t_plural("scope.caption", scope.days, scope=md(name) if markdown else name, start=fmt_date(scope.start),
                    end=fmt_date(scope.end), days=fmt_int(scope.days))


def display_zone(scope: Scope | None) -> str:
    """The time zone times are shown in: the scope's unit's (WIB for the national scope, or before any data)."""
    return data.unit_timezone(scope.unit_code) if scope is not None else "Asia/Jakarta"


def page_footer(scope: Scope | None) -> None:
    """The last line of every page: what it shows and how fresh the data is, for a screen shown or printed."""
    first, last = data.data_date_range()
    if first is None:
        return
    imported = data.last_import()
    when = t("footer.never") if imported.empty else fmt_local_moment(imported["finished_at"].iloc[0],
                                                                       display_zone(scope))
    parts = [t("app.name")] + ([scope_label(scope)] if scope else [])
    st.divider()
    st.caption(" · ".join(parts + [t("footer.window", first=fmt_date(first), last=fmt_date(last), imported=when)]))
