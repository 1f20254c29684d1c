"""The dashboard's one door to the database: the engine and bounded, keyed caches around queries/."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from queries import overview
from queries.db import make_engine, resolve_url
from queries.scope import Scope

CACHE_TTL = "10m"  # an import shows up within ten minutes at most
CACHE_ENTRIES = 64


@st.cache_resource(show_spinner=False, max_entries=4)
def engine(url: str) -> Engine:
    """One pooled engine per database URL and server process."""
    return make_engine(url)


def run(query, *args):
    """Call a queries/ function with a pooled connection to the configured database.

    The URL (BOS_DATABASE_URL, else secrets.toml, else the embedded SQLite file) is fixed
    for the life of a server process, so the caches below need not key on it.
    """
    with engine(resolve_url()).connect() as conn:
        return query(conn, *args)


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def unit_list() -> pd.DataFrame:
    return run(overview.unit_list)


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def activity_date_range() -> tuple[date | None, date | None]:
    return run(overview.activity_date_range)


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def data_date_range() -> tuple[date | None, date | None]:
    return run(overview.data_date_range)


@st.cache_data(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def last_import() -> pd.DataFrame:
    return run(overview.last_import)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def scope_counts(scope: Scope) -> dict[str, int]:
    return run(overview.scope_counts, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def activities_by_type(scope: Scope) -> pd.DataFrame:
    return run(overview.activities_by_type, scope)
