"""The dashboard's one door to the database: the engine and bounded, keyed caches around queries/."""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, text

from queries import (
    accounts,
    aggregates,
    briefing,
    comparison,
    complaints,
    compliance,
    coverage,
    early_warning,
    effectiveness,
    follow_up,
    geo,
    hierarchy,
    officers,
    overview,
    people,
    priorities,
    quality,
    quality_lists,
    rls,
    scorecards,
    subscriptions,
)
from queries import alerts as queries_alerts
from queries import scope as queries_scope
from queries.db import make_engine, resolve_read_url, resolve_url
from queries.migrations import require_head
from queries.people import Identity
from queries.scope import Scope
from queries.settings import settings

CACHE_TTL = "10m"  # an import shows up within ten minutes at most
PAGE_ROWS = 100  # rows of a paged list sent to the browser at a time
CACHE_ENTRIES = 64


@st.cache_resource(show_spinner=False, max_entries=4)
def engine(url: str) -> Engine:
    """One pooled engine per database URL and server process, once the database is at the newest migration.

    The dashboard issues no DDL: `manage.py init-db` (or an import) migrates. Until then this raises
    SchemaNotCurrent on every run, and is not cached, so the page works as soon as the admin has upgraded.
    """
    created = make_engine(url)
    require_head(created)
    return created


def check_database() -> None:
    """Connect once before a page runs: SQLAlchemyError if unreachable, SchemaNotCurrent if not migrated."""
    engine(resolve_read_url())


def run(query, *args):
    """Call a queries/ function with a pooled connection to the configured database.

    The URL (BOS_READ_DATABASE_URL for a read replica, else BOS_DATABASE_URL, else secrets.toml,
    else the embedded SQLite file) is fixed for the life of a server process, so the caches
    below need not key on it. When the scope
    says people are hidden (national evaluators), what queries/people.py declares personal in the
    query's result (officers' names and NRPs) is masked here, in the one place every page's data passes through.
    """
    scope = next((arg for arg in args if isinstance(arg, Scope)), None)
    with _connection(scope) as conn:
        result = query(conn, *args)
    hide = scope is not None and not scope.people
    return mask_people(result, people.identity_of(query)) if hide else result


def stream(query, *args) -> Iterator[pd.DataFrame]:
    """Like `run`, for a queries/ function that yields frames: each chunk masked as `run` masks a result.

    The connection stays open while the chunks are read (a download writes them one after the other).
    """
    scope = next((arg for arg in args if isinstance(arg, Scope)), None)
    hide = scope is not None and not scope.people
    with _connection(scope) as conn:
        for chunk in query(conn, *args):
            yield mask_people(chunk, people.identity_of(query)) if hide else chunk


@contextmanager
def _connection(scope: Scope | None):
    """A pooled connection to the read database, with the Row-Level Security home unit set when RLS is on."""
    with engine(resolve_read_url()).connect() as conn:
        if settings().rls and conn.dialect.name == "postgresql":
            # Row-Level Security (queries/rls.py) reads the home unit from this transaction setting.
            conn.execute(text("SELECT set_config(:name, :unit, true)"),
                         {"name": rls.SETTING, "unit": (scope.boundary if scope else None) or ""})
        yield conn


def write(command, *args):
    """Call a queries/ function that writes, in its own committed transaction (always on the primary)."""
    with engine(resolve_url()).begin() as conn:
        return command(conn, *args)


MASK = "•••"
PSEUDONYM_SALT = secrets.token_bytes(16)  # per server process: a pseudonym cannot be traced back to its NRP


def mask_people(result, identity: Identity | dict[str, Identity] | None):
    """Mask what `identity` declares personal in a query's result: names by the mask, NRPs by pseudonyms.

    Pseudonyms keep two officers apart (a ranking still has one row each, frames still join on them)
    without saying who they are; counts, even of officers, are never touched.
    """
    if identity is None or result is None:
        return result
    if isinstance(identity, dict):
        return {key: mask_people(value, identity.get(key)) for key, value in result.items()}
    if isinstance(result, pd.DataFrame | pd.Series):
        masked = result.copy()
    elif isinstance(result, dict):
        masked = dict(result)
    else:
        return result
    present = masked.columns if isinstance(masked, pd.DataFrame) else masked.keys()
    hides = {column: pseudonym for column in identity.keys} | {column: _mask for column in identity.names}
    for column, hide in hides.items():
        if column not in present:
            continue
        if isinstance(masked, pd.DataFrame):
            masked[column] = [value if _missing(value) else hide(value) for value in masked[column]]
        elif not _missing(masked[column]):
            masked[column] = hide(masked[column])
    return masked


def pseudonym(value) -> str:
    """The mask with a short tag that is the same for the same value within this process."""
    return f"{MASK} {hmac.new(PSEUDONYM_SALT, str(value).encode(), 'sha256').hexdigest()[:8]}"


def _mask(_value) -> str:
    return MASK


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


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
def scope_level(scope: Scope) -> str | None:
    return run(queries_scope.scope_level, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def village_coverage(scope: Scope) -> pd.DataFrame:
    """Coverage per village: every map starts from it (the overview reads none: its blind spots are found in SQL)."""
    # An officer's villages depend on the window; a unit's do not, so the window before shares them.
    villages = scope_villages(scope if scope.nrp is not None else any_window(scope))
    return coverage.with_window(villages, run(coverage.window_numbers, scope), scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def scope_villages(scope: Scope) -> pd.DataFrame:
    """The scope's villages with their denominators and location (what village_coverage adds a window to)."""
    return run(coverage.scope_villages, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def unit_counts(scope: Scope, level: str) -> pd.DataFrame:
    """Additive counts per unit of `level`: the KPI cards, rankings and spike alert all read these.

    One grouped statement per Polsek, without a row per village (a nation's 80,150 villages cost 1.5 s).
    """
    return run(effectiveness.unit_counts, scope, level)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def officer_table(scope: Scope) -> pd.DataFrame:
    """Per officer of the scope: the compliance export plus name, rank and Polsek."""
    return run(compliance.officer_table, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def kpi_comparison(scope: Scope) -> pd.DataFrame:
    """The KPI cards: the scope's totals against the previous window's (cached: its rates cost 50 ms at a Polda)."""
    level = hierarchy.partition_level(scope_level(scope))
    return briefing.kpi_comparison(briefing.totals(unit_counts(scope, level)),
                                   briefing.totals(unit_counts(scope.previous(), level)))


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def child_rankings(scope: Scope) -> pd.DataFrame:
    """The scope's subordinate units with every measure (for a Polsek scope: its officers); cached like the cards."""
    child = hierarchy.CHILD_LEVEL[scope_level(scope)]
    if child is None:
        return briefing.rank(officer_table(scope), "officer")
    return briefing.rank(effectiveness.with_rates(unit_counts(scope, child)), child)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def worsened(scope: Scope) -> pd.DataFrame:
    """The subordinate units' (for a Polsek: officers') KPIs that got worse against the previous window."""
    child = hierarchy.CHILD_LEVEL[scope_level(scope)]
    if child is None:
        now, before = (officer_table(window).rename(columns={"dds_visits": "officer_dds_visits"})
                       for window in (scope, scope.previous()))
    else:
        now = effectiveness.with_rates(unit_counts(scope, child))
        before = effectiveness.with_rates(unit_counts(scope.previous(), child))
    return queries_alerts.worsened(now, before)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def alerts(scope: Scope) -> dict[str, pd.DataFrame]:
    """Every alert of the overview, in the order they are shown."""
    child = hierarchy.CHILD_LEVEL[scope_level(scope)]
    if child is None:
        now, before = officer_table(scope), officer_table(scope.previous())
    else:
        now, before = unit_counts(scope, child), unit_counts(scope.previous(), child)
    return {
        "blind_spots": run(queries_alerts.blind_spots, scope),
        "silent_officers": run(queries_alerts.silent_officers, scope),
        "overdue_complaints": overdue_complaints(scope),
        "flag_spikes": queries_alerts.flag_spikes(now, before),
        "submission_dips": run(queries_alerts.submission_dips, scope),
        "hotspot": run(queries_alerts.rising_hotspots, scope),
    }


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def overdue_complaints(scope: Scope) -> pd.DataFrame:
    """The overdue-complaint alert alone: the complaints page shows it without the other alerts' cost."""
    return run(queries_alerts.overdue_complaints, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def early_warning_summary(scope: Scope) -> dict | None:
    """The latest stored forecast run for the scope: its forecasts, backtest card and hot spots (None: no run)."""
    return run(early_warning.summary, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def dds_priorities(scope: Scope) -> dict | None:
    """Prioritas DDS for the week after the latest run (officers masked for users who may not see people)."""
    summary = early_warning_summary(scope)  # its forecasts are the ones ranked: read once
    return None if summary is None else run(priorities.dds_priorities, scope, summary["run"], summary["risk"])


def village_map(scope: Scope) -> pd.DataFrame:
    """geo.village_map_frame: the cached rows joined to the cached outlines (a list lookup per village)."""
    frame = village_rows(scope)
    if len(frame) > geo.MAX_MAP_VILLAGES:
        return geo.with_shapes(frame, {})
    # An officer's villages depend on the window; a unit's outlines do not, so one entry serves every window.
    return geo.with_shapes(frame, village_outlines(scope if scope.nrp is not None else any_window(scope)))


def complaint_villages(scope: Scope) -> pd.DataFrame:
    """The villages a complaint map draws: name, Polsek, place and outlines (none above MAX_MAP_VILLAGES).

    No window: the complaints are counted on the page. village_map would add the window's coverage and each
    village's officers, which this map does not show (a nation's 80,150 villages: 1.8 s).
    """
    unit = scope if scope.nrp is not None else any_window(scope)  # as village_map: an officer's depend on the window
    frame = scope_villages(unit).rename(columns={"code": "village_code"})
    names = unit_list().set_index("code")["name"]
    frame = frame.assign(polsek=frame["unit_code"].map(names))
    return geo.with_shapes(frame, village_outlines(unit) if len(frame) <= geo.MAX_MAP_VILLAGES else {})


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def village_rows(scope: Scope) -> pd.DataFrame:
    """The village map's rows (coverage, Polsek, officers) without the outlines, which are shared apart."""
    return run(geo.village_rows, scope, village_coverage(scope))


OUTLINE_DAY = date(2000, 1, 1)


def any_window(scope: Scope) -> Scope:
    """The scope with a fixed window: outlines do not change with dates, so one cache entry serves all."""
    return dataclasses.replace(scope, start=OUTLINE_DAY, end=OUTLINE_DAY)


@st.cache_resource(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def village_outlines(scope: Scope) -> dict:
    """Simplified outlines of the scope's villages, shared as they are (maps only read them).

    A resource, not cache_data: unpickling a Polda's nested coordinate lists on every cache hit cost
    20-70 ms and set off full garbage collections of up to half a second.
    """
    return run(geo.village_shapes, scope)


@st.cache_resource(ttl=CACHE_TTL, max_entries=16, show_spinner=False)  # a resource for village_outlines' reason
def map_outlines(scope: Scope) -> list:
    """The village outlines a map of the scope draws (none above MAX_MAP_VILLAGES), without the coverage frame."""
    if scope.nrp is not None:  # an officer's villages depend on the window
        return [rings for shapes in village_map(scope)["shapes"] for rings in shapes]
    if run(geo.village_count, scope) > geo.MAX_MAP_VILLAGES:
        return []
    outlines = village_outlines(any_window(scope))
    return [rings for code in sorted(outlines) for rings in outlines[code]]


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def scope_bounds(scope: Scope):
    return run(geo.scope_bounds, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def unit_timezone(unit_code: str | None) -> str:
    return run(overview.unit_timezone, unit_code)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def reads_aggregates(scope: Scope) -> bool:
    """Whether the scope's pages read the per-unit aggregates (a Polda or the nation): officer lists on request."""
    return run(aggregates.serves, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def polsek_compliance(scope: Scope) -> pd.DataFrame:
    """Per Polsek of a Polda or the nation: officers, expected days and the compliance rates (the aggregates)."""
    if not reads_aggregates(scope):  # the page asks only where they serve; elsewhere the definition's numbers
        return effectiveness.with_rates(unit_counts(scope, "polsek"))
    return run(aggregates.polsek_compliance, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def compliance_list(scope: Scope) -> pd.DataFrame:
    return run(officers.compliance_list, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def calendar(scope: Scope) -> pd.DataFrame:
    return run(officers.calendar, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def submission_delays(scope: Scope) -> dict:
    """Reports per hour of delay with median, p90 and late count (per-unit aggregates at a Polda or the nation)."""
    return run(officers.delay_distribution, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def coaching_order(scope: Scope) -> pd.DataFrame:
    """The scope's officers, the one most in need of coaching first (the scorecard's picker)."""
    return run(officers.coaching_order, scope)


@st.cache_data(ttl=CACHE_TTL, max_entries=CACHE_ENTRIES, show_spinner=False)
def officer_search(scope: Scope, text: str) -> pd.DataFrame:
    return run(officers.officer_search, scope, text)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def scorecard(scope: Scope, nrp: str) -> dict:
    """Everything the officer's scorecard shows, for the officer within the scope."""
    return run(scorecards.scorecard, scope, nrp)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def quality_views(scope: Scope) -> dict[str, pd.DataFrame]:
    """The small views of the data-quality page (its long lists are paged: list_total and *_page)."""
    child = hierarchy.partition_level(scope_level(scope))
    return {
        "trend": run(quality.flag_trend, scope, "week"),
        "by_unit": run(quality.flags_by_unit, scope, child),
        "dips": run(queries_alerts.submission_dips, scope),
        "outages": run(overview.recorded_outages, scope),
    }


def list_total(scope: Scope, kind: str) -> int:
    """How long one list of the data-quality page is ("narratives", "photos", "gps" or "travel"): its first page's
    `total`, so the count and the page the tab shows are one cached read."""
    first_pages = {"narratives": narrative_page, "photos": photo_page, "gps": gps_page, "travel": travel_page}
    return list_length(first_pages[kind](scope, 0, PAGE_ROWS, "worst"))


def list_length(first_page: pd.DataFrame) -> int:
    """The whole list's length, which every row of a page carries (an empty first page: an empty list)."""
    return int(first_page["total"].iloc[0]) if len(first_page) else 0


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def flagged_count(scope: Scope, flags: tuple[str, ...], officer_text: str) -> int:
    """How many flagged reports the page's filters keep."""
    return run(quality_lists.count_flagged_reports, scope, flags, officer_text)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def flagged_page(scope: Scope, offset: int, limit: int, order: str, flags: tuple[str, ...],
                 officer_text: str) -> pd.DataFrame:
    return run(quality_lists.page_flagged_reports, scope, offset, limit, order, flags, officer_text)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def narrative_page(scope: Scope, offset: int, limit: int, order: str) -> pd.DataFrame:
    return run(quality_lists.page_narrative_clusters, scope, offset, limit, order)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def photo_page(scope: Scope, offset: int, limit: int, order: str) -> pd.DataFrame:
    return run(quality_lists.page_reused_photos, scope, offset, limit, order)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def gps_page(scope: Scope, offset: int, limit: int, order: str) -> pd.DataFrame:
    return run(quality_lists.page_gps_outside, scope, offset, limit, order)


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def travel_page(scope: Scope, offset: int, limit: int, order: str) -> pd.DataFrame:
    return run(quality_lists.page_travel_pairs, scope, offset, limit, order)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def scope_complaints(scope: Scope) -> pd.DataFrame:
    return run(complaints.scope_complaints, scope)


def levels_below(scope: Scope) -> list[str]:
    """The unit levels strictly below the scope's unit, nearest first (none below a Polsek)."""
    own = scope_level(scope)
    return list(hierarchy.levels_below(own))


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def complaint_units(scope: Scope, level: str) -> pd.DataFrame:
    """Complaint response per unit of a level inside the scope."""
    return run(complaints.complaint_response, scope, level).merge(
        unit_list()[["code", "name"]].rename(columns={"code": "unit_code"}), on="unit_code", how="left")


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def crime_months(scope: Scope, level: str) -> pd.DataFrame:
    return run(effectiveness.crime_months, scope, level)


def unit_shapes(scope: Scope, level: str) -> dict:
    return unit_outlines(any_window(scope), level)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def unit_outlines(scope: Scope, level: str) -> dict:
    """Unions of village outlines per unit (a Polda's 33 Polres take over a second): one entry for every window."""
    return run(geo.unit_shapes, scope, level)


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def unit_trends(scope: Scope, codes: tuple[str, ...]) -> pd.DataFrame:
    return run(comparison.unit_trends, scope, list(codes))


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def units_within(boundary: str | None) -> frozenset[str]:
    """Codes of the units a user with this home unit may choose (all for None)."""
    return run(overview.units_within, boundary)


# Follow-up items are read uncached: whoever saves a change expects to see it at once (the lists are short).
def follow_up_items(scope: Scope) -> pd.DataFrame:
    """Open items of the scope and those closed this week."""
    return run(follow_up.items, scope)


def follow_up_history(scope: Scope, item_id: int) -> pd.DataFrame:
    return run(follow_up.history, scope, item_id)


def follow_up_marks(scope: Scope) -> pd.DataFrame:
    """(kind, subject or nrp, id, status) of the scope's open items, to mark the overview's alert rows."""
    return run(follow_up.open_subjects, scope)


def follow_up_review(scope: Scope, now=None) -> pd.DataFrame:
    """Last week's follow-up, which the briefing pack opens with."""
    return run(follow_up.review, scope, now)


def follow_up_actable(scope: Scope, user) -> list[int]:
    return run(follow_up.actable, user, scope)


def follow_up_assignable(item_id: int) -> list[str]:
    return run(follow_up.assignable, item_id)


def import_history() -> pd.DataFrame:
    """Not cached: an admin expects to see the import they just ran."""
    return run(overview.import_history)


def audit_events() -> pd.DataFrame:
    return run(accounts.audit_events)


def accounts_list() -> pd.DataFrame:
    return run(accounts.list_users)


def subscriptions_list() -> pd.DataFrame:
    """Not cached: the admin expects the subscription they just saved."""
    return run(subscriptions.list_subscriptions)


def delivery_log() -> pd.DataFrame:
    return run(subscriptions.delivery_log)
