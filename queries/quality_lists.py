"""The kualitas page's long lists counted and paged in the database, and streamed whole for downloads.

A Polda's window holds tens of thousands of flagged reports: the page shows how many and one page of them
(worst first, in a stable order), and the download reads every row in chunks. Each list has a `count_*`,
a `page_*(conn, scope, offset, limit, order)` and a `stream_*` yielding frames of the same columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pandas as pd
from sqlalchemy import BigInteger, Connection, Select, case, cast, false, func, literal, or_, select, true

from queries import aggregates
from queries.db import frame_of
from queries.flags import FLAG_NAMES, flag_expressions, stored_flags_follow, with_flag_list
from queries.quality import narrative_of
from queries.schema import FLAG_COLUMNS, activities, activity_texts, meta, officers, villages
from queries.scope import Scope, villages_in
from queries.timeutil import local_times

NARRATIVE_MARK_KEPT = "narrative_repeats"  # meta's record that migration 0014 filled the mark
STREAM_ROWS = 5000  # rows per chunk of a download: a few MB of frame at a time
IN_LIST_MAX = 900  # keys per IN list (SQLite's bound-parameter limit, with room to spare)

FLAGGED_COLUMNS = ["report_id", "officer", "nrp", "village", "polsek_code", "timezone", "activity_type",
                   "activity_at", "submitted_at", "local_date", "narrative", *FLAG_NAMES]
NARRATIVE_COLUMNS = ["narrative_key", "reports", "officers", "first_date", "last_date"]  # + "example", per page
PHOTO_COLUMNS = ["photo_sha256", "reports", "officers", "first_date", "last_date"]
TRAVEL_COLUMNS = ["report_id", "nrp", "officer", "village_code", "village", "timezone", "activity_type",
                  "activity_at", "local_date", "lat", "lng", "gps_distance_m", "travel_km", "travel_seconds"]

a = activities.c
# A report belongs to its village's Polsek (the one-flag totals count it there). Its officer is outer-joined in every
# list and in the clusters' examples and names: under RLS the officers of units outside the reader's subtree are
# hidden, and such a report is still listed (a cluster still shows its example), name blank.


def _in_window(scope: Scope) -> tuple:
    return a.village_code.in_(villages_in(scope)), a.local_date.between(scope.start, scope.end)


def _window_side(conn: Connection, key):
    """`key` for an IN over a window's keys: on SQLite with its own index turned off (`key || ''`).

    SQLite took the key's index and read every report ever sent with those keys, then kept the window's; a
    common narrative has a year of them. The window's village-date index reads only the window: PD-35's page of
    narratives' names 0.99 -> 0.24 s, shared photos 1.02 -> 0.37 s, a Polsek's names 0.60 s -> 2 ms (SQLite,
    1 Dec 2026). PostgreSQL already read the window first.
    """
    return key.concat("") if conn.dialect.name == "sqlite" else key


def _ordered(query: Select, orders: dict[str, Callable[[], list]], order: str) -> Select:
    """The query in one of its named orders; each ends on a unique key, so pages never overlap."""
    return query.order_by(*_order_keys(orders, order))


def _order_keys(orders: dict[str, Callable[[], list]], order: str) -> list:
    """The sort keys of one of the named orders (a ValueError for any other name)."""
    if order not in orders:
        raise ValueError(f"unknown order {order!r}; one of {sorted(orders)}")
    return orders[order]()


def _count(conn: Connection, query: Select) -> int:
    return conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def _page(conn: Connection, query: Select, offset: int, limit: int) -> list:
    """The rows of one page, each ending with the whole list's length (`total`).

    The length is a window count over the same scan as the page: counting in a second statement read a
    Polda's window twice (3 s each for the copied narratives and photos).
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    return conn.execute(query.add_columns(_total()).offset(offset).limit(limit)).all()


def _total():
    return func.count().over().label("total")


def _flag_total(conn: Connection, scope: Scope, flag: str) -> int | None:
    """How many reports of the window carry `flag`, from the per-unit aggregates (None where they do not serve).

    They count each flag by the Polsek of the report's village, as the lists choose reports."""
    return aggregates.flag_total(conn, scope, flag) if aggregates.serves(conn, scope) else None


def _page_of_one_flag(conn: Connection, scope: Scope, flag: str, query: Select, offset: int, limit: int) -> list:
    """A page of a one-flag list with its `total`, from the aggregates where they serve, else counted with it.

    With the total known, the page is a bounded sort, not a sort of every flagged report for a count."""
    total = _flag_total(conn, scope, flag)
    if total is None:
        return _page(conn, query, offset, limit)
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    return conn.execute(query.add_columns(literal(total).label("total")).offset(offset).limit(limit)).all()


def _chunks(conn: Connection, query: Select, rows: int) -> Iterator[list]:
    """The query's rows in lists of at most `rows`, read from a server-side cursor where there is one."""
    result = conn.execute(query.execution_options(stream_results=True, yield_per=rows))
    yielded = False
    for part in result.partitions(rows):
        yielded = True
        yield part
    if not yielded:
        yield []  # an empty list still has its columns (a download of nothing has a header)


# Flagged reports -------------------------------------------------------------------------------------------

def _flags(scope: Scope, stored: bool) -> dict:
    """The seven flags: the stored columns (what ix_activities_flagged holds) or the definition's expressions.

    Stored only where they follow the scope's policy."""
    # In FLAG_COLUMNS' order: SQLite uses the partial index only when the OR matches its predicate term for term.
    return ({column.removeprefix("flag_"): a[column] for column in FLAG_COLUMNS} if stored
            else flag_expressions(scope.policy))


def _flagged_conditions(scope: Scope, flags: Sequence[str], officer_text: str, stored: bool = False,
                        dialect: str = "") -> list:
    """Which reports the flagged list holds: the window's, with one of `flags` (any flag), of the officer searched.

    With stored flags the OR of all seven is always there, written as the partial index's predicate, so the
    planners read ix_activities_flagged; a choice of flags narrows it further.
    """
    expressions = _flags(scope, stored)
    # Stored: the flagged reports' index, ix_activities_flagged (SQLite 0.5 -> 0.12 s at a Polda).
    conditions = [*(_window_entries(dialect, scope) if stored else _in_window(scope)), or_(*expressions.values())]
    if flags:
        conditions.append(or_(*(expressions[name] for name in flags)))
    text = officer_text.strip().lower()
    if text and scope.people:
        # Only where names may be seen: a masked user must not learn who reported by filtering on a name.
        conditions.append(or_(func.lower(officers.c.name).contains(text, autoescape=True),
                              a.nrp.contains(text, autoescape=True)))
    return conditions


def _flagged_query(scope: Scope, flags: Sequence[str], officer_text: str) -> Select:
    expressions = flag_expressions(scope.policy)
    return (
        select(a.report_id, officers.c.name.label("officer"), a.nrp, villages.c.name.label("village"),
               villages.c.unit_code.label("polsek_code"), villages.c.timezone, a.activity_type, a.activity_at,
               a.submitted_at, a.local_date, narrative_of(a.report_id).label("narrative"),
               *(expr.label(name) for name, expr in expressions.items()))
        .outerjoin(officers, officers.c.nrp == a.nrp)
        .join(villages, villages.c.code == a.village_code)
        .where(*_flagged_conditions(scope, flags, officer_text))
    )


def _flagged_sort_keys(scope: Scope, order: str, stored: bool = False) -> list[tuple]:
    """(expression, descending) pairs of an order of the flagged list, ending on the unique report id."""
    raised = sum((case((expr, 1), else_=0) for expr in _flags(scope, stored).values()), literal(0))
    orders = {"worst": [(raised, True), (a.local_date, True), (a.report_id, False)],
              "newest": [(a.local_date, True), (a.report_id, False)]}
    if order not in orders:
        raise ValueError(f"unknown order {order!r}; one of {sorted(orders)}")
    return orders[order]


def _flagged_orders(scope: Scope) -> dict[str, Callable[[], list]]:
    return {order: lambda order=order: [expr.desc() if descending else expr
                                        for expr, descending in _flagged_sort_keys(scope, order)]
            for order in ("worst", "newest")}


def _flagged_frame(rows, extra: Sequence[str] = ()) -> pd.DataFrame:
    frame = frame_of(rows, columns=[*FLAGGED_COLUMNS, *extra])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    return with_flag_list(frame)


def count_flagged_reports(conn: Connection, scope: Scope, flags: Sequence[str] = (), officer_text: str = "") -> int:
    """How many reports of the window carry a flag (one of `flags`, when given; of the officer searched for).

    Counted over the flagged reports' own index where the stored flags follow the policy (no officers,
    villages or narratives joined: every report has its officer and village), else as the list is read.
    """
    stored = stored_flags_follow(conn, scope.policy)
    if not stored:
        return _count(conn, _flagged_query(scope, flags, officer_text))
    searched = officer_text.strip() and scope.people
    rows = activities.outerjoin(officers, officers.c.nrp == a.nrp) if searched else activities
    return conn.execute(select(func.count()).select_from(rows)
                        .where(*_flagged_conditions(scope, flags, officer_text, True, conn.dialect.name))
                        ).scalar_one()


def page_flagged_reports(conn: Connection, scope: Scope, offset: int, limit: int, order: str = "worst",
                         flags: Sequence[str] = (), officer_text: str = "") -> pd.DataFrame:
    """One page of the flagged reports; "worst": most flags first, then newest; "newest": by date.

    The page's report ids are chosen over narrow rows (a bounded sort), then their columns read: sorting whole
    rows, narratives and all, took a year of a Polres 350 ms on PostgreSQL.
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    stored = stored_flags_follow(conn, scope.policy)
    keys = _flagged_sort_keys(scope, order, stored)
    labelled = [expr.label(f"key_{position}") for position, (expr, _) in enumerate(keys)]
    # The officers' table only when a name is searched: joined to every flagged row it cost 0.1 s at a Polda.
    searched = officer_text.strip() and scope.people
    rows = activities.outerjoin(officers, officers.c.nrp == a.nrp) if searched else activities
    # The list's narrow rows once (PostgreSQL: materialized), then its length and a bounded sort over them: as one
    # query PostgreSQL sorted every flagged report first and checked each one's village after (410k buffers).
    listed = (select(*labelled).select_from(rows)
              .where(*_flagged_conditions(scope, flags, officer_text, stored, conn.dialect.name))
              .cte("listed").prefix_with("MATERIALIZED", dialect="postgresql"))
    columns = [listed.c[label.name] for label in labelled]
    shown = (select(*columns, select(func.count()).select_from(listed).scalar_subquery().label("total"))
             .order_by(*(column.desc() if descending else column for column, (_, descending) in zip(columns, keys)))
             .offset(offset).limit(limit).subquery("shown"))
    columns = [shown.c[label.name] for label in labelled]
    query = (_flagged_query(scope, flags, officer_text).add_columns(shown.c.total)
             .join(shown, columns[-1] == a.report_id)
             .order_by(*(column.desc() if descending else column for column, (_, descending) in zip(columns, keys))))
    return _flagged_frame(conn.execute(query).all(), ["total"])


def stream_flagged_reports(conn: Connection, scope: Scope, order: str = "worst", flags: Sequence[str] = (),
                           officer_text: str = "", rows: int = STREAM_ROWS) -> Iterator[pd.DataFrame]:
    """Every flagged report, in the order of the pages, a chunk at a time."""
    query = _ordered(_flagged_query(scope, flags, officer_text), _flagged_orders(scope), order)
    for part in _chunks(conn, query, rows):
        yield _flagged_frame(part)


# Narrative clusters and reused photos ----------------------------------------------------------------------

def _cluster_rows(key) -> Select:
    """(cluster_key, nrp, local_date, report_id) of reports, the rows every cluster is summed from."""
    return select(key.label("cluster_key"), a.nrp, a.local_date, a.report_id)


def _window_rows(scope: Scope, key, keys: Sequence[str] | None = None) -> Select:
    """The cluster rows of the window's reports with a key (of `keys`), as defined."""
    return _cluster_rows(key).where(*_in_window(scope), key.is_not(None), *([] if keys is None else [key.in_(keys)]))


def _marked_rows(conn: Connection, scope: Scope, key, mark, keys: Sequence[str] | None = None) -> Select:
    """The same rows for the keys a marked report of the window carries (of `keys`), without the window's rows.

    Every report of a key but its first (by submitted_at, report_id) carries the mark, so the key's window reports
    are its marked ones there (ix_activities_narrative_repeats or ix_activities_photo_repeats: covering entries) and
    its first report where that lies in the window (one step down the key's order index). A nation's copies tab
    read the window's 3.9 M rows to keep 450,114 reports of 1,667 narratives and 355,166 of 11,967 photos.
    """
    chosen = [] if keys is None else [_window_side(conn, key).in_(keys)]
    where = (*_window_entries(conn.dialect.name, scope), mark, *chosen)
    marked = _cluster_rows(key).where(*where)
    candidates = select(key.label("cluster_key")).where(*where).distinct().subquery()
    f = activities.alias("first_report").c
    same_key, earliest_first = f[key.name] == candidates.c.cluster_key, (f.submitted_at, f.report_id)
    # The first report found must be unmarked: under PostgreSQL's row-level security a key's true first report may
    # be hidden, and the first one seen is then a marked report already counted above.
    if conn.dialect.name == "postgresql":
        # A lateral step per candidate: with the first report's id as an IN subquery PostgreSQL took the nation's
        # 11,967 photos for 299,151 and hashed the window's 3.9 M rows to find them (3.7 s).
        first = (select(f.nrp, f.local_date, f.village_code, f.report_id, f[mark.name].label("marked"))
                 .where(same_key).order_by(*earliest_first).limit(1).lateral("first_of_key"))
        firsts = (select(candidates.c.cluster_key, first.c.nrp, first.c.local_date, first.c.report_id)
                  .select_from(candidates.join(first, true()))
                  .where(first.c.village_code.in_(villages_in(scope)),
                         first.c.local_date.between(scope.start, scope.end), first.c.marked.is_(false())))
    else:  # SQLite has no LATERAL; it reads the IN subquery's ids first and looks each up by primary key
        first_id = select(f.report_id).where(same_key).order_by(*earliest_first).limit(1).scalar_subquery()
        firsts = (_cluster_rows(key)
                  .where(a.report_id.in_(select(first_id).select_from(candidates)), *_in_window(scope),
                         mark.is_(false())))
    return marked.union_all(firsts)


def _narrative_rows(conn: Connection, scope: Scope, keys: Sequence[str] | None = None) -> Select:
    """The window's reports of recurring narratives (of `keys`): from the mark where it is kept, else as defined."""
    if narrative_mark_kept(conn):
        return _marked_rows(conn, scope, a.narrative_key, a.narrative_repeats, keys)
    return _window_rows(scope, a.narrative_key, keys)


def _photo_rows(conn: Connection, scope: Scope, keys: Sequence[str] | None = None) -> Select:
    """The window's reports of photos one of its reports repeats (duplicate_photo, always stored)."""
    return _marked_rows(conn, scope, a.photo_sha256, a.flag_duplicate_photo, keys)


def _per_officer(rows: Select) -> Select:
    """`rows` summed per (key, officer): reports, first and last date, and the first report by id.

    Summed per (key, officer) first, then per key: count(DISTINCT nrp) made PostgreSQL sort every report of the
    recurring keys (a nation's 355,166 shared-photo reports); per (key, officer) it hashes, and a key's officers
    are then its rows.
    """
    r = rows.subquery().c
    return (select(r.cluster_key, r.nrp, func.count().label("reports"), func.min(r.local_date).label("first_date"),
                   func.max(r.local_date).label("last_date"), func.min(r.report_id).label("first"))
            .group_by(r.cluster_key, r.nrp))


def _clusters(per_officer, key, min_officers: int) -> Select:
    """Per key of the (key, officer) sums with two reports or more (and `min_officers`): reports, officers, dates."""
    p = per_officer.c
    reports = cast(func.sum(p.reports), BigInteger).label("reports")  # a bigint, not PostgreSQL's numeric sum
    officer_count = func.count().label("officers")
    return (select(p.cluster_key.label(key.name), reports, officer_count,
                   func.min(p.first_date).label("first_date"), func.max(p.last_date).label("last_date"))
            .group_by(p.cluster_key).having(reports >= 2, officer_count >= min_officers))


def _cluster_query(rows: Select, key, min_officers: int) -> Select:
    """Per key of `rows` with two reports or more (and `min_officers`): reports, officers, first and last date."""
    return _clusters(_per_officer(rows).subquery(), key, min_officers)


def _page_with_officers(conn: Connection, rows: Select, key, min_officers: int, order: str, offset: int,
                        limit: int) -> tuple[list, dict[str, str], dict[str, str]]:
    """One page of clusters with its `total`, and per key of the page its officers' names and first report by id.

    One statement: the (key, officer) sums once (materialized), the clusters and the page from them, and the page's
    keys joined back to their officers. Reading the officers in a second statement scanned the window's entries of
    the page's keys again: a nation's template narratives hold 448,547 of its 450,114 marked reports (0.8 s).
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    per_officer = _per_officer(rows).cte("per_officer").prefix_with("MATERIALIZED", dialect="postgresql")
    clusters = _clusters(per_officer, key, min_officers)
    orders = _order_keys(_cluster_orders(clusters), order)
    page = (clusters.add_columns(_total(), func.row_number().over(order_by=orders).label("position"))
            .order_by(*orders).offset(offset).limit(limit).subquery("page"))
    query = (select(page, officers.c.name, per_officer.c.first)
             .join(per_officer, per_officer.c.cluster_key == page.c[key.name])
             .outerjoin(officers, officers.c.nrp == per_officer.c.nrp)
             .order_by(page.c.position))
    shown, officers_of = {}, []
    for row in conn.execute(query):
        cluster = row[:-3]  # the page's columns; then its position, the officer's name and first report
        shown.setdefault(cluster[0], cluster)
        officers_of.append((cluster[0], row[-2], row[-1]))
    return list(shown.values()), *_names_and_first_reports(officers_of)


def _names_and_first_reports(officers_of: list[tuple]) -> tuple[dict[str, str], dict[str, str]]:
    """From (key, officer's name, officer's first report) rows: per key the names (sorted, comma-separated) and
    its first report by id. An officer hidden by RLS names nobody; their report still counts as the first."""
    names: dict[str, set[str]] = {}
    firsts: dict[str, str] = {}
    for key, name, first in officers_of:
        firsts[key] = min(firsts.get(key, first), first)
        if name is not None:
            names.setdefault(key, set()).add(name)
    return {key: ", ".join(sorted(found)) for key, found in names.items()}, firsts


def narrative_mark_kept(conn: Connection) -> bool:
    """Whether activities.narrative_repeats can be trusted: migration 0014 filled it and recorded so in meta (every
    import keeps it since). Without the record (a database before 0014) the clusters are grouped as defined."""
    return conn.execute(select(meta.c.key).where(meta.c.key == NARRATIVE_MARK_KEPT)).first() is not None


def _narrative_query(conn: Connection, scope: Scope) -> Select:
    """The recurring narratives: keys with two reports or more in the window."""
    return _cluster_query(_narrative_rows(conn, scope), a.narrative_key, 1)


def _photo_query(conn: Connection, scope: Scope) -> Select:
    """The shared photos: photos of two officers or more in the window."""
    return _cluster_query(_photo_rows(conn, scope), a.photo_sha256, 2)


def _cluster_orders(query: Select) -> dict[str, Callable[[], list]]:
    """A cluster query's orders, on its own columns: most reports or most officers first, then the key."""
    c = query.selected_columns
    key = c[0]
    return {"worst": lambda: [c.reports.desc(), key],
            "officers": lambda: [c.officers.desc(), c.reports.desc(), key]}


def _ordered_clusters(query: Select, order: str) -> Select:
    return _ordered(query, _cluster_orders(query), order)


def _names_and_firsts(conn: Connection, rows_of: Callable[[list[str]], Select], keys: list[str]
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """Per key: its officers' names and its first report by id, for these keys only (a stream's chunk).

    Per (key, officer) first, the names joined to those rows only, not to every report.
    """
    found = []
    for start in range(0, len(keys), IN_LIST_MAX):
        per_officer = _per_officer(rows_of(keys[start:start + IN_LIST_MAX])).subquery()
        found.extend(conn.execute(select(per_officer.c.cluster_key, officers.c.name, per_officer.c.first)
                                  .outerjoin(officers, officers.c.nrp == per_officer.c.nrp)).all())
    return _names_and_first_reports(found)


def _narrative_frame(conn: Connection, scope: Scope, rows: list, columns: list[str] = NARRATIVE_COLUMNS
                     ) -> pd.DataFrame:
    """A page (or chunk) of clusters with its examples (first report by id) and officers' names, for its keys only.

    The least narrative, as the example was before, joined every window report of the keys to its text: 3.3 s
    for a national page of 100 template narratives (449,000 reports).
    """
    frame = frame_of(rows, columns)
    names, firsts = _names_and_firsts(conn, lambda chunk: _narrative_rows(conn, scope, chunk),
                                      list(frame["narrative_key"]))
    return _with_examples_and_names(conn, frame, names, firsts)


def _with_examples_and_names(conn: Connection, frame: pd.DataFrame, names: dict[str, str], firsts: dict[str, str]
                             ) -> pd.DataFrame:
    """The narratives' frame with each key's example (its first report's text) and its officers' names."""
    keys = list(frame["narrative_key"])
    texts = _narratives_of(conn, list(set(firsts.values())))
    return frame.assign(example=[texts.get(firsts.get(key)) for key in keys], names=[names.get(key) for key in keys])


def _photo_frame(conn: Connection, scope: Scope, rows: list, columns: list[str] = PHOTO_COLUMNS) -> pd.DataFrame:
    """A page (or chunk) of shared photos with the officers' names, read for its photos only."""
    frame = frame_of(rows, columns)
    names, _ = _names_and_firsts(conn, lambda chunk: _photo_rows(conn, scope, chunk), list(frame["photo_sha256"]))
    return frame.assign(names=[names.get(key) for key in frame["photo_sha256"]])


def _narratives_of(conn: Connection, report_ids: list[str]) -> dict[str, str]:
    """The narratives of these reports, by report id (a report without a text is absent)."""
    texts = {}
    for start in range(0, len(report_ids), IN_LIST_MAX):
        texts.update(conn.execute(select(activity_texts.c.report_id, activity_texts.c.narrative)
                                  .where(activity_texts.c.report_id.in_(report_ids[start:start + IN_LIST_MAX]))).all())
    return texts


def count_narrative_clusters(conn: Connection, scope: Scope) -> int:
    """How many normalised narratives recur in the window (two reports or more)."""
    return _count(conn, _narrative_query(conn, scope))


def page_narrative_clusters(conn: Connection, scope: Scope, offset: int, limit: int,
                            order: str = "worst") -> pd.DataFrame:
    """One page of the recurring narratives: "worst" most reports first, "officers" most officers first."""
    rows, names, firsts = _page_with_officers(conn, _narrative_rows(conn, scope), a.narrative_key, 1, order, offset,
                                              limit)
    return _with_examples_and_names(conn, frame_of(rows, [*NARRATIVE_COLUMNS, "total"]), names, firsts)


def stream_narrative_clusters(conn: Connection, scope: Scope, order: str = "worst",
                              rows: int = STREAM_ROWS) -> Iterator[pd.DataFrame]:
    """Every recurring narrative, in the order of the pages, a chunk at a time."""
    query = _ordered_clusters(_narrative_query(conn, scope), order)
    for part in _chunks(conn, query, rows):
        yield _narrative_frame(conn, scope, part)


def count_reused_photos(conn: Connection, scope: Scope) -> int:
    """How many photos were sent by two officers or more in the window."""
    return _count(conn, _photo_query(conn, scope))


def page_reused_photos(conn: Connection, scope: Scope, offset: int, limit: int, order: str = "worst") -> pd.DataFrame:
    """One page of the shared photos: "worst" most reports first, "officers" most officers first."""
    rows, names, _ = _page_with_officers(conn, _photo_rows(conn, scope), a.photo_sha256, 2, order, offset, limit)
    frame = frame_of(rows, [*PHOTO_COLUMNS, "total"])
    return frame.assign(names=[names.get(key) for key in frame["photo_sha256"]])


def stream_reused_photos(conn: Connection, scope: Scope, order: str = "worst",
                         rows: int = STREAM_ROWS) -> Iterator[pd.DataFrame]:
    """Every shared photo, in the order of the pages, a chunk at a time."""
    query = _ordered_clusters(_photo_query(conn, scope), order)
    for part in _chunks(conn, query, rows):
        yield _photo_frame(conn, scope, part)


# Impossible travel ------------------------------------------------------------------------------------------

def _points_query(scope: Scope, flag: str) -> Select:
    """The window's reports carrying `flag`, with officer, village, place and the measures behind the flags."""
    return (
        select(a.report_id, a.nrp, officers.c.name.label("officer"), a.village_code, villages.c.name.label("village"),
               villages.c.timezone, a.activity_type, a.activity_at, a.local_date, a.lat, a.lng, a.gps_distance_m,
               a.travel_km, a.travel_seconds)
        .outerjoin(officers, officers.c.nrp == a.nrp)
        .join(villages, villages.c.code == a.village_code)
        .where(*_in_window(scope), flag_expressions(scope.policy)[flag])
    )


def _travel_query(scope: Scope) -> Select:
    return _points_query(scope, "impossible_travel")


def _travel_orders(c) -> dict[str, list]:
    """Orders over the columns `c` of the travel rows (a table's or a subquery's)."""
    # A jump at the same instant is the worst; then by speed. km * 3600 / seconds is the same float on both databases.
    instant = case((c.travel_seconds == 0, 1), else_=0)
    speed = case((c.travel_seconds > 0, c.travel_km * 3600.0 / c.travel_seconds), else_=0.0)
    return {"worst": [instant.desc(), speed.desc(), c.report_id], "time": [c.activity_at, c.report_id]}


def _previous_gps_report(c):
    """The officer's GPS report just before row `c`'s, by (activity_at, report_id): one step down
    ix_activities_officer_time per row, the same neighbour the import measured travel_km against."""
    b = activities.alias("before").c
    return (select(b.report_id)
            .where(b.nrp == c.nrp, b.lat.is_not(None), b.lng.is_not(None), b.activity_at <= c.activity_at,
                   or_(b.activity_at < c.activity_at, b.report_id < c.report_id))
            .order_by(b.activity_at.desc(), b.report_id.desc()).limit(1).scalar_subquery())


def _with_previous(rows, order: str) -> Select:
    """The travel rows (a subquery) with the previous report's id, in `order`.

    Its village and time are read afterwards by primary key: joined here, PostgreSQL flattens the
    subquery and hashes every activity to find a dozen previous reports.
    """
    pairs = select(rows, _previous_gps_report(rows.c).label("previous_report_id")).subquery("pairs")
    return select(pairs).order_by(*_travel_orders(pairs.c)[order])


def _travel_frame(conn: Connection, rows, extra: Sequence[str] = ()) -> pd.DataFrame:
    """The pairs with the previous report's village and local time, and the speed between them."""
    frame = frame_of(rows, columns=[*TRAVEL_COLUMNS, *extra, "previous_report_id"])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    ids = sorted(frame["previous_report_id"].dropna().unique())
    found = []
    for start in range(0, len(ids), IN_LIST_MAX):
        found.extend(conn.execute(
            select(a.report_id, villages.c.name, a.activity_at, villages.c.timezone)
            .join(villages, villages.c.code == a.village_code)
            .where(a.report_id.in_(ids[start:start + IN_LIST_MAX]))).all())
    previous = frame_of(found, ["previous_report_id", "previous_village", "previous_utc", "previous_zone"])
    frame = frame.merge(previous, on="previous_report_id", how="left")
    frame["previous_at"] = local_times(frame.pop("previous_utc"), frame.pop("previous_zone"))
    hours = frame["travel_seconds"] / 3600
    frame["speed_kmh"] = (frame["travel_km"] / hours.where(hours > 0)).round(1)
    return frame


def _check_order(order: str) -> None:
    if order not in ("worst", "time"):
        raise ValueError(f"unknown order {order!r}; one of ['time', 'worst']")


def count_travel_pairs(conn: Connection, scope: Scope) -> int:
    """How many reports of the window are flagged for impossible travel."""
    total = _flag_total(conn, scope, "impossible_travel")
    return _count(conn, _travel_query(scope)) if total is None else total


def page_travel_pairs(conn: Connection, scope: Scope, offset: int, limit: int, order: str = "worst") -> pd.DataFrame:
    """One page of impossible-travel reports with the previous report each is judged against.

    "worst": same-instant jumps, then the fastest first; "time": by activity time.
    The previous report is looked up for the rows of the page only.
    """
    _check_order(order)
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    total = _flag_total(conn, scope, "impossible_travel")
    if stored_flags_follow(conn, scope.policy):
        # From ix_activities_impossible_travel's entries: the window's rows were read to keep the nation's 23,952
        # (1.04-1.24 s -> 0.21-0.26 s).
        chosen, total = _page_of_flag_entries(conn, scope, "impossible_travel", _travel_orders(a)[order], offset,
                                              limit)
        page = _travel_query(scope).add_columns(literal(total).label("total")).where(a.report_id.in_(chosen))
    else:
        counted = _total() if total is None else literal(total).label("total")
        page = (_travel_query(scope).add_columns(counted).order_by(*_travel_orders(a)[order])
                .offset(offset).limit(limit))
    return _travel_frame(conn, conn.execute(_with_previous(page.subquery("shown"), order)).all(), ["total"])


def stream_travel_pairs(conn: Connection, scope: Scope, order: str = "worst",
                        rows: int = STREAM_ROWS) -> Iterator[pd.DataFrame]:
    """Every impossible-travel pair, in the order of the pages, a chunk at a time."""
    _check_order(order)
    for part in _chunks(conn, _with_previous(_travel_query(scope).subquery("shown"), order), rows):
        yield _travel_frame(conn, part)


# Reports sent from outside their village --------------------------------------------------------------------

def _gps_orders() -> dict[str, Callable[[], list]]:
    # "worst": the farthest from its village first, what a reviewer checks first (the map draws one page).
    return {"worst": lambda: [a.gps_distance_m.desc(), a.report_id], "time": lambda: [a.activity_at, a.report_id]}


def _points_frame(rows, extra: Sequence[str] = ()) -> pd.DataFrame:
    frame = frame_of(rows, columns=[*TRAVEL_COLUMNS, *extra])
    frame["local_time"] = local_times(frame["activity_at"], frame["timezone"])
    return frame


def count_gps_outside(conn: Connection, scope: Scope) -> int:
    """How many reports of the window were sent from outside their village."""
    total = _flag_total(conn, scope, "gps_outside")
    return _count(conn, _points_query(scope, "gps_outside")) if total is None else total


def page_gps_outside(conn: Connection, scope: Scope, offset: int, limit: int, order: str = "worst") -> pd.DataFrame:
    """One page of the reports sent from outside their village: "worst" (farthest) first, or by "time".

    Where the stored flags follow the policy, the page's ids are chosen over ix_activities_gps_outside's entries
    and only their rows are read: sorting the window's rows read a nation's heap (0.8 s warm, 2.8 s from disk).
    """
    query = _ordered(_points_query(scope, "gps_outside"), _gps_orders(), order)
    if not stored_flags_follow(conn, scope.policy):
        return _points_frame(_page_of_one_flag(conn, scope, "gps_outside", query, offset, limit), ["total"])
    chosen, total = _page_of_flag_entries(conn, scope, "gps_outside", _order_keys(_gps_orders(), order), offset,
                                          limit)
    rows = conn.execute(query.where(a.report_id.in_(chosen)).add_columns(literal(total).label("total"))).all()
    return _points_frame(rows, ["total"])


def _page_of_flag_entries(conn: Connection, scope: Scope, flag: str, order_keys: list, offset: int, limit: int
                          ) -> tuple[Select, int]:
    """The ids of one page of the window's reports carrying `flag` (a stored flag following the policy), sorted over
    its partial index's entries, and the list's length (from the aggregates where they serve)."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    flagged = select(a.report_id).where(*_window_entries(conn.dialect.name, scope), a[f"flag_{flag}"])
    total = _flag_total(conn, scope, flag)
    return flagged.order_by(*order_keys).offset(offset).limit(limit), _count(conn, flagged) if total is None else total


def _window_entries(dialect: str, scope: Scope) -> tuple:
    """_in_window's conditions for a partial index's entries: on SQLite with the village index turned off.

    SQLite looked each village of the scope up in ix_activities_village_date and read every row of the window
    rather than the partial index's entries (PD-35's shared photos 0.52 s, 0.22 s from the entries); `|| ''` leaves
    it only the latter. PostgreSQL already chose the entries.
    """
    in_villages, in_dates = _in_window(scope)
    if dialect == "sqlite":
        in_villages = a.village_code.concat("").in_(villages_in(scope))
    return in_villages, in_dates


def stream_gps_outside(conn: Connection, scope: Scope, order: str = "worst",
                       rows: int = STREAM_ROWS) -> Iterator[pd.DataFrame]:
    """Every report sent from outside its village, in the order of the pages, a chunk at a time."""
    for part in _chunks(conn, _ordered(_points_query(scope, "gps_outside"), _gps_orders(), order), rows):
        yield _points_frame(part)
