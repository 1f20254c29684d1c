"""The shared sidebar filters: language, unit (Polda → Polres → Polsek) and date window.

The chosen unit lives in st.session_state["unit"] (None = everything), so a page can
drill down by setting it; the three pickers are redrawn from it on every run.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components import data
from components.i18n import LANGUAGES, fmt_date, t
from queries.scope import Scope

ALL = ""  # picker value for "every unit at this level"
DEFAULT_WINDOW_DAYS = 30
LEVELS = ("polda", "polres", "polsek")


def language_picker() -> None:
    """Bahasa Indonesia by default; English on request."""
    st.session_state.setdefault("lang", "id")
    st.sidebar.radio(t("sidebar.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang",
                     horizontal=True)


def unit_chain(units: pd.DataFrame, code: str | None) -> list[str]:
    """The codes from the Polda down to `code` (empty for everything)."""
    parents = dict(zip(units["code"], units["parent_code"]))
    chain = []
    while code is not None and code in parents:
        chain.insert(0, code)
        code = parents[code]
    return chain


def unit_picker(units: pd.DataFrame) -> str | None:
    """Cascading pickers; returns the selected unit code (None = everything)."""
    names = dict(zip(units["code"], units["name"]))
    current = st.session_state.get("unit")
    chain = unit_chain(units, current)
    if current is not None and not chain:
        current = st.session_state["unit"] = None  # the unit vanished from the database
    parent = None
    for depth, level in enumerate(LEVELS):
        options = units.loc[(units["level"] == level) & (units["parent_code"].isna() if parent is None
                                                         else units["parent_code"] == parent), "code"].tolist()
        if not options:
            break
        key = f"pick_{level}"
        st.session_state[key] = chain[depth] if depth < len(chain) else ALL
        st.sidebar.selectbox(
            t(f"sidebar.{level}"), [ALL] + options, key=key, on_change=_picked, args=(level, parent),
            format_func=lambda code, level=level: names.get(code) or t(f"sidebar.all_{level}"),
        )
        if depth >= len(chain):
            break
        parent = chain[depth]
    return current


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
    chosen = st.sidebar.date_input(t("sidebar.window"), key="window", min_value=first, max_value=last,
                                   help=t("sidebar.window_help"), format="DD/MM/YYYY")
    st.sidebar.caption(t("sidebar.data_range", first=fmt_date(first), last=fmt_date(last)))
    if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
        st.session_state["last_window"] = tuple(chosen)
        return tuple(chosen)
    st.sidebar.info(t("sidebar.window_incomplete"))
    return st.session_state.get("last_window")


def sidebar_scope() -> Scope | None:
    """Draw the shared filters and return the scope they describe (None when there is no data)."""
    units = data.unit_list()
    first, _ = data.data_date_range()
    if units.empty or first is None:
        return None
    st.sidebar.subheader(t("sidebar.unit"))
    unit = unit_picker(units)
    window = window_picker()
    if window is None:
        return None
    scope = Scope(unit, window[0], window[1])
    st.session_state["scope"] = scope
    return scope


def scope_label(scope: Scope) -> str:
    """"Polres Ngawi · 16 April 2022 – 15 Mei 2022 (30 hari)"."""
    units = data.unit_list()
    names = dict(zip(units["code"], units["name"]))
    name = names.get(scope.unit_code, t("scope.national")) if scope.unit_code else t("scope.national")
    return t("scope.caption", scope=name, start=fmt_date(scope.start), end=fmt_date(scope.end), days=scope.days)
