"""The reporting database: one SQLAlchemy Core MetaData, identical on SQLite and PostgreSQL.

Conventions:
- a table added after the baseline migration says so in info["revision"], so a database made before
  migrations existed is adopted as the baseline without it (queries/migrations.py adopt_legacy);
- every timestamp is stored as a naive UTC DateTime; the import converts offsets
  and village-local times, so comparisons behave the same on both databases;
- local dates (the date in the village's or officer's time zone) are computed
  at import and stored, because the metric windows are defined on them;
- the measures behind the policy-dependent activity flags (delay, distance to the
  village polygon, travel to the previous report) are stored next to the flags,
  so a metric call with another policy recomputes flags in SQL without re-import.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

metadata = MetaData()

ACTIVITY_TYPES = (
    "dds",
    "deteksi_dini",
    "problem_solving",
    "pelayanan",
    "giat_desa",
    "binluh",
    "siskamling",
    "lainnya",
)

# Lengths of the stored text columns, the one definition of them: the import contract's value
# limits (ingest/contract.py) are read from these, so validation and storage cannot drift apart.
CODE = 40  # unit, village, officer, report, complaint and incident codes
HOUSEHOLD_ID = 80
SHA256_HEX = 64
NAME = 200  # names, categories, district, regency, province
RANK = 60
CHANNEL = 100
ZONE_NAME = 40  # IANA time zone names


def code_column(length: int = CODE) -> String:
    """A machine identifier (code, NRP, report id, hash), compared byte by byte.

    On PostgreSQL it gets COLLATE "C": the database's locale collation made a Polda's sorts and
    GROUP BYs on codes three times slower and every index insert of an import dearer, for
    strings that are never sorted as words.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("imported_by", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("source_sha256", String(64)),
    Column("mode", String(20), nullable=False),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_new", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_unchanged", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("report_json", Text),
)

units = Table(
    "units",
    metadata,
    Column("code", code_column(), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("level", String(10), nullable=False),
    Column("parent_code", code_column(), ForeignKey("units.code")),
    # Most common time zone of the unit's villages; derived after each import.
    Column("timezone", String(ZONE_NAME), nullable=False, server_default="Asia/Jakarta"),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_units_parent", "parent_code"),
    Index("ix_units_level", "level"),
)

# Closure of the unit tree (every ancestor of every unit, itself included), so a
# scope "unit X and everything below it" is one indexed join on any database.
unit_tree = Table(
    "unit_tree",
    metadata,
    Column("ancestor_code", code_column(), ForeignKey("units.code"), primary_key=True),
    Column("unit_code", code_column(), ForeignKey("units.code"), primary_key=True),
    Column("depth", Integer, nullable=False),
    Index("ix_unit_tree_unit", "unit_code"),
)

villages = Table(
    "villages",
    metadata,
    Column("code", code_column(), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("unit_code", code_column(), ForeignKey("units.code"), nullable=False),
    Column("district", String(NAME)),
    Column("regency", String(NAME)),
    Column("province", String(NAME)),
    Column("population", Integer),
    Column("households", Integer),
    # True when households was derived from population / 3.7 at import.
    Column("households_estimated", Boolean, nullable=False, server_default=false()),
    Column("timezone", String(ZONE_NAME), nullable=False),
    Column("lat", Float),
    Column("lng", Float),
    Column("geometry", Text),  # GeoJSON geometry, WGS84; NULL when the export had none
    Column("min_lng", Float),
    Column("min_lat", Float),
    Column("max_lng", Float),
    Column("max_lat", Float),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_villages_unit", "unit_code"),
)

officers = Table(
    "officers",
    metadata,
    Column("nrp", code_column(), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("rank", String(RANK)),
    Column("unit_code", code_column(), ForeignKey("units.code"), nullable=False),
    Column("active_from", Date),
    Column("active_to", Date),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_officers_unit", "unit_code"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("nrp", code_column(), ForeignKey("officers.nrp"), primary_key=True),
    Column("village_code", code_column(), ForeignKey("villages.code"), primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_assignments_village", "village_code", "start_date"),
)

leaves = Table(
    "leaves",
    metadata,
    Column("nrp", code_column(), ForeignKey("officers.nrp"), primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date, nullable=False),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
)

outages = Table(
    "outages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Natural key (unit_code, start_at); NULL unit_code means "everywhere".
    Column("unit_code", code_column(), ForeignKey("units.code")),
    Column("start_at", DateTime, nullable=False),
    Column("end_at", DateTime, nullable=False),
    Column("note", Text),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_outages_start", "start_at"),
)

activities = Table(
    "activities",
    metadata,
    Column("report_id", code_column(), primary_key=True),
    Column("nrp", code_column(), ForeignKey("officers.nrp"), nullable=False),
    Column("village_code", code_column(), ForeignKey("villages.code"), nullable=False),
    Column("activity_type", String(20), nullable=False),
    Column("activity_at", DateTime, nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("local_date", Date, nullable=False),  # activity_at in the village's time zone
    Column("lat", Float),
    Column("lng", Float),
    Column("household_id", code_column(HOUSEHOLD_ID)),
    # The narrative lives in activity_texts: window scans never read it, and it was a third of each row.
    Column("photo_sha256", code_column(SHA256_HEX)),
    # Derived measures behind the flags.
    Column("delay_seconds", Float, nullable=False),  # submitted_at - activity_at
    Column("gps_distance_m", Float),  # to the village polygon; NULL without GPS or polygon
    Column("narrative_key", code_column(SHA256_HEX)),  # hash of the normalised narrative if >= 20 chars
    Column("travel_km", Float),  # great-circle distance from the officer's previous GPS report
    Column("travel_seconds", Float),  # time elapsed since that report
    # The seven flags of docs/metrics-reference.md, under the policy recorded in meta.
    Column("flag_late", Boolean, nullable=False, server_default=false()),
    Column("flag_time_inconsistent", Boolean, nullable=False, server_default=false()),
    Column("flag_gps_missing", Boolean, nullable=False, server_default=false()),
    Column("flag_gps_outside", Boolean, nullable=False, server_default=false()),
    Column("flag_duplicate_photo", Boolean, nullable=False, server_default=false()),
    Column("flag_duplicate_narrative", Boolean, nullable=False, server_default=false()),
    Column("flag_impossible_travel", Boolean, nullable=False, server_default=false()),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    # Internal, not a flag (migration 0014): the narrative_key equals that of an earlier report of any officer, by
    # (submitted_at, report_id). A key with two reports in a window has its later one marked there, so the
    # window's marked keys are the narrative clusters' candidates (queries/quality_lists.py).
    Column("narrative_repeats", Boolean, nullable=False, server_default=false()),
    Index("ix_activities_village_date", "village_code", "local_date"),
    Index("ix_activities_officer_date", "nrp", "local_date"),
    Index("ix_activities_date", "local_date"),
    Index("ix_activities_officer_time", "nrp", "activity_at"),
    # Each photo's reports in (submitted_at, report_id) order (migration 0018): its first report, the one without
    # duplicate_photo, in one step (the copies tab's shared photos; an import ranking a touched photo's reports).
    Index("ix_activities_photo_order", "photo_sha256", "submitted_at", "report_id"),
    Index("ix_activities_narrative", "nrp", "narrative_key"),
    # Each narrative's reports in (submitted_at, report_id) order (migration 0014): an import finds a touched key's
    # first report, and its first not re-imported, in one step each (ingest/group_flags.py _update_repeats).
    Index("ix_activities_narrative_order", "narrative_key", "submitted_at", "report_id"),
    # submission_hours of a few UTC hours are recomputed at every import (ingest/rollups.py).
    Index("ix_activities_submitted", "submitted_at"),
    # DDS only, covering: the definition's households per village and window, the coverage series and the
    # last DDS dates where the aggregates are not built (else village_dds_days serves both).
    Index("ix_activities_dds", "village_code", "local_date", "household_id",
          postgresql_where=text("activity_type = 'dds'"), sqlite_where=text("activity_type = 'dds'")),
    # DDS only, per household (migration 0012): a daily import finds each household's last visit before the
    # new days in one backward step (ingest/aggregates.py store_households) instead of LAG over the history.
    # The order above stays for the windowed reads (coverage series, the definition's households).
    Index("ix_activities_dds_household", "village_code", "household_id", "local_date",
          postgresql_where=text("activity_type = 'dds'"), sqlite_where=text("activity_type = 'dds'")),
)

# Flagged reports only (migration 0013): the kualitas page's flagged list of a Polda's window is counted and its
# worst-first page chosen from these narrow entries alone (an index-only scan of ~81k), not from the window's heap.
# The predicate is the stored flags' OR exactly as SQLAlchemy writes it on each database (SQLite: "= 1"), so the
# planners match it to the list's condition (queries/quality_lists.py).
FLAG_COLUMNS = ("flag_late", "flag_time_inconsistent", "flag_gps_missing", "flag_gps_outside", "flag_duplicate_photo",
                "flag_duplicate_narrative", "flag_impossible_travel")
FLAGGED_PREDICATE = {"postgresql": " OR ".join(FLAG_COLUMNS), "sqlite": " OR ".join(f"{c} = 1" for c in FLAG_COLUMNS)}
Index("ix_activities_flagged", activities.c.local_date, activities.c.village_code, activities.c.report_id,
      *(activities.c[name] for name in FLAG_COLUMNS),
      postgresql_where=text(FLAGGED_PREDICATE["postgresql"]), sqlite_where=text(FLAGGED_PREDICATE["sqlite"]))

# Marked reports only (migrations 0014, 0018): a window's repeated narratives and reused photos, read off these
# entries alone (covering: key, officer, date and report id) instead of every report of the window. A key's reports
# but its first carry the mark, so these entries and each key's first report are all its reports
# (queries/quality_lists.py). Predicate as SQLAlchemy writes the column's test on each database; the mark among the
# columns too, or SQLite reads each entry's row to test it (no covering scan).
Index("ix_activities_narrative_repeats", activities.c.local_date, activities.c.village_code,
      activities.c.narrative_key, activities.c.nrp, activities.c.report_id, activities.c.narrative_repeats,
      postgresql_where=text("narrative_repeats"), sqlite_where=text("narrative_repeats = 1"))
Index("ix_activities_photo_repeats", activities.c.local_date, activities.c.village_code,
      activities.c.photo_sha256, activities.c.nrp, activities.c.report_id, activities.c.flag_duplicate_photo,
      postgresql_where=text("flag_duplicate_photo"), sqlite_where=text("flag_duplicate_photo = 1"))

# Reports sent from outside their village, and reports of impossible travel, only (migration 0019): the GPS tab's
# pages, worst first or by time, are chosen from these entries alone (a nation's window: 238,029 and 23,952 of 3.9 M
# reports, whose heap it read from disk), then their rows are read by id. Used where the stored flags follow the
# policy (the tolerance and the speed are among its values).
Index("ix_activities_gps_outside", activities.c.local_date, activities.c.village_code, activities.c.gps_distance_m,
      activities.c.activity_at, activities.c.report_id, activities.c.flag_gps_outside,
      postgresql_where=text("flag_gps_outside"), sqlite_where=text("flag_gps_outside = 1"))
Index("ix_activities_impossible_travel", activities.c.local_date, activities.c.village_code, activities.c.travel_km,
      activities.c.travel_seconds, activities.c.activity_at, activities.c.report_id,
      activities.c.flag_impossible_travel,
      postgresql_where=text("flag_impossible_travel"), sqlite_where=text("flag_impossible_travel = 1"))

# The officer's narrative of each report that has one (no row without). Apart from activities so that the
# window scans of flags and delays read narrow rows (issue 18): only the lists that show a text join it.
activity_texts = Table(
    "activity_texts",
    metadata,
    # No foreign key: Citus allows none between two large tables (docs/scale.md); the import alone writes
    # both, in one transaction, and RLS shows a text only with its report.
    Column("report_id", code_column(), primary_key=True),
    Column("narrative", Text, nullable=False),
    info={"revision": "0006_activity_texts"},
)

# A rollup of officer_days (queries/compliance.py): per officer and local date across the
# data's date range (any activity, complaint or crime), whether the day was expected and what was reported, under the
# policy recorded in meta "officer_days_rollup". Days neither expected nor reported on are
# left out (they add nothing to any sum). Kept up to date by every import (ingest/rollups.py);
# read by the per-officer and per-unit compliance measures when the caller's policy and window allow.
officer_day_facts = Table(
    "officer_day_facts",
    metadata,
    Column("nrp", code_column(), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("expected", Boolean, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("on_time_reports", Integer, nullable=False),
    Column("late_reports", Integer, nullable=False),
    Column("dds_visits", Integer, nullable=False),
    Column("flagged_reports", Integer, nullable=False),
    Index("ix_officer_day_facts_date", "local_date"),
)

# officer_day_facts summed per officer and calendar month (`month` = its first day), kept with it by every import
# (ingest/rollups.py). A year's per-officer conditions (counted, adopted, at target) read eleven full months here and
# the window's partial months from the days: at the nation 0.5 M rows instead of 16 M officer-days.
officer_month_facts = Table(
    "officer_month_facts",
    metadata,
    Column("nrp", code_column(), primary_key=True),
    Column("month", Date, primary_key=True),
    # queries/rollups.py SUMS: expected days, those reported and reported on time, and the days' counts
    Column("expected_days", Integer, nullable=False),
    Column("reported_days", Integer, nullable=False),
    Column("on_time_days", Integer, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("late_reports", Integer, nullable=False),
    Column("dds_visits", Integer, nullable=False),
    Column("flagged_reports", Integer, nullable=False),
    Index("ix_officer_month_facts_month", "month"),
    info={"revision": "0016_officer_months"},
)

# Crimes per Polsek (of the crime's village) and calendar month (`month` = its first day), kept by every import
# (ingest/crime_months.py). A national trend of two years reads some 140,000 rows here and only its partial months
# from the crimes, not 0.8 M crimes joined to their villages.
crime_month_facts = Table(
    "crime_month_facts",
    metadata,
    Column("unit_code", code_column(), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("crimes", Integer, nullable=False),
    info={"revision": "0020_crime_months"},
)

# Reports submitted per Polsek (of the report's village) and UTC hour ("YYYY-MM-DD HH"), so the
# submission-dip alert reads a few thousand rows rather than two months of a Polda's reports.
# Kept up to date by every import (the hours its reports were submitted in).
submission_hours = Table(
    "submission_hours",
    metadata,
    Column("unit_code", code_column(), primary_key=True),
    Column("hour", code_column(13), primary_key=True),
    Column("reports", Integer, nullable=False),
)

# The same per Polda (submission_hours summed over each Polda's Polsek; ingest/rollups.py keeps both): a
# Polda's or the nation's dip alert reads ~2,100 rows per Polda for its 12 weeks, not every Polsek's (PD-35: 329,504).
polda_submission_hours = Table(
    "polda_submission_hours",
    metadata,
    Column("unit_code", code_column(), primary_key=True),
    Column("hour", code_column(13), primary_key=True),
    Column("reports", Integer, nullable=False),
    info={"revision": "0015_alert_facts"},
)

# Map outlines simplified once, at import, for the scope they are drawn in (ingest/outlines.py): the map of a
# unit, or of everything (scope_code ""), draws its villages and the units below it simplified to about a
# pixel of that scope's extent (queries/geo.py DETAIL). A row here means the scope's outlines are current;
# the pages compute them from the polygons for a scope without one (a database not refreshed yet).
outline_scopes = Table(
    "outline_scopes",
    metadata,
    Column("scope_code", code_column(), primary_key=True),  # a unit's code, or "" for the whole database
    # Extent of the scope's villages (polygons, or points without one); NULL when none has a location.
    Column("min_lng", Float),
    Column("min_lat", Float),
    Column("max_lng", Float),
    Column("max_lat", Float),
    Column("tolerance", Float),  # the simplification tolerance that extent gives, in degrees
    # False when the scope has more villages than a village map draws (queries/geo.py MAX_MAP_VILLAGES).
    Column("villages_stored", Boolean, nullable=False),
    info={"revision": "0002_outlines"},
)

outlines = Table(
    "outlines",
    metadata,
    Column("scope_code", code_column(), primary_key=True),
    Column("kind", String(10), primary_key=True),  # "village", or the level of a unit below the scope
    Column("code", code_column(), primary_key=True),  # the village's or unit's code
    Column("rings", Text, nullable=False),  # JSON: polygons, each a list of rings of [lng, lat] (pydeck's shape)
    Index("ix_outlines_code", "code"),
    info={"revision": "0002_outlines"},
)

complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", code_column(), primary_key=True),
    Column("village_code", code_column(), ForeignKey("villages.code"), nullable=False),
    Column("category", String(NAME), nullable=False),
    Column("channel", String(CHANNEL)),
    Column("created_at", DateTime, nullable=False),
    Column("first_response_at", DateTime),
    Column("resolved_at", DateTime),
    Column("nrp", code_column(), ForeignKey("officers.nrp")),
    Column("local_date", Date, nullable=False),  # created_at in the village's time zone
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_complaints_village_date", "village_code", "local_date"),
    Index("ix_complaints_created", "created_at"),
)

crimes = Table(
    "crimes",
    metadata,
    Column("incident_id", code_column(), primary_key=True),
    Column("village_code", code_column(), ForeignKey("villages.code"), nullable=False),
    Column("category", String(NAME), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("local_date", Date, nullable=False),
    Column("batch_id", Integer, ForeignKey("import_batches.id")),
    Index("ix_crimes_village_date", "village_code", "local_date"),
    Index("ix_crimes_date", "local_date", "village_code"),  # a window's crimes of every village (0017)
)

# People who may sign in to the dashboard. home_unit NULL means the whole database.
users = Table(
    "users",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(200)),  # matched against the identity of an OpenID Connect sign-in
    Column("role", String(20), nullable=False),
    Column("home_unit", code_column(), ForeignKey("units.code")),
    Column("password_hash", Text),  # argon2id; NULL for accounts that only sign in through the provider
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime, nullable=False),
    Column("last_sign_in", DateTime),
    Index("ix_users_email", "email"),
)

# Signed-in browsers: a random token in a cookie, stored here only as its SHA-256, so a reload or an
# opened link finds its user again until expires_at; deleting the row (sign-out, an account disabled
# or given another role) ends the session everywhere at once.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("username", String(80), ForeignKey("users.username"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("language", String(8)),  # the language chosen in the sidebar, kept across reloads
    Index("ix_user_sessions_username", "username"),
)

# Failed sign-ins per (user name, source) and per source, for progressive delays instead of a lock-out
# (OWASP Authentication cheat sheet): key is the SHA-256 of what is counted, so a stranger's guesses
# slow down only the stranger, never the account's owner signing in from elsewhere.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", DateTime, nullable=False),
    Column("retry_after", DateTime),  # no attempt of this key is checked before then
)

# Who did what and when: sign-ins (and failures), imports, downloads of personal data.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("username", String(80)),
    Column("action", String(40), nullable=False),
    Column("detail", Text),
    Index("ix_audit_log_at", "at"),
    # An append needs no id back: without RETURNING, a role that may only INSERT (RLS's reader) can write it.
    implicit_returning=False,
)

# Small key/value facts about the database itself (the policy the stored flags were computed with,
# the sample's mark); the schema's version is Alembic's alembic_version table.
meta = Table(
    "meta",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
)

# Per Polsek and local date: what the Polda and national pages show per unit, kept by the import
# (ingest/aggregates.py) under the policy recorded in meta "unit_day_aggregates", so their cost follows
# the units shown, not the officers and reports below them. Two bases, as the definitions count them:
# the officer-day and report columns count the officers whose Polsek this is (the compliance measures);
# village_reports, dds_visits and the flag columns count the reports made in this Polsek's villages
# (coverage and the quality page). Rows where every column is 0 are left out.
unit_day_facts = Table(
    "unit_day_facts",
    metadata,
    Column("unit_code", code_column(), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("expected_days", Integer, nullable=False),
    Column("reported_days", Integer, nullable=False),
    Column("on_time_days", Integer, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("late_reports", Integer, nullable=False),
    Column("officer_dds_visits", Integer, nullable=False),
    Column("flagged_reports", Integer, nullable=False),
    Column("village_reports", Integer, nullable=False),
    Column("dds_visits", Integer, nullable=False),
    Column("late", Integer, nullable=False),
    Column("time_inconsistent", Integer, nullable=False),
    Column("gps_missing", Integer, nullable=False),
    Column("gps_outside", Integer, nullable=False),
    Column("duplicate_photo", Integer, nullable=False),
    Column("duplicate_narrative", Integer, nullable=False),
    Column("impossible_travel", Integer, nullable=False),
    Index("ix_unit_day_facts_date", "local_date"),
    info={"revision": "0003_unit_day_aggregates"},
)

# Reports per officer's Polsek, local date and whole hour of submission delay (floor, clipped to
# -6 .. 120 as the kepatuhan page's chart draws it): the delay chart of a Polda or the nation.
unit_delay_hours = Table(
    "unit_delay_hours",
    metadata,
    Column("unit_code", code_column(), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("delay_hour", Integer, primary_key=True),
    Column("reports", Integer, nullable=False),
    info={"revision": "0003_unit_day_aggregates"},
)

# Per village and local date: reports and DDS visits made there. Distinct households over a window come
# from village_dds_days (below), kept with these.
village_day_facts = Table(
    "village_day_facts",
    metadata,
    Column("village_code", code_column(), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("reports", Integer, nullable=False),
    Column("dds_visits", Integer, nullable=False),
    Index("ix_village_day_facts_date", "local_date"),
    info={"revision": "0003_unit_day_aggregates"},
)

# Per village, local date and date of the household's previous DDS visit in the village (NULL: its first):
# the DDS visits made there. The households visited in [s, e] are the visits of [s, e] whose previous visit
# lies before s (or is none): each household counted once, at its first visit in the window, no DISTINCT.
village_dds_days = Table(
    "village_dds_days",
    metadata,
    Column("village_code", code_column(), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("prev_date", Date),
    Column("visits", Integer, nullable=False),
    Index("ix_village_dds_days_village", "village_code", "local_date"),
    # A Polda's window is read from this index alone (an index-only scan in date order).
    Index("ix_village_dds_days_date", "local_date", "village_code", "prev_date", "visits"),
    info={"revision": "0011_village_households"},
)

# -- Peringatan dini (issue 19): forecasts, their backtest and emerging hot spots, stored by
# `manage.py forecast` and read as-is by the pages. One run = one as-of date over the whole database.
forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),  # the last local date the run may use
    Column("horizon_days", Integer, nullable=False),
    Column("computed_at", DateTime, nullable=False),  # naive UTC
    # What the pages show: "model" when the backtest says it beats the best baseline, else that baseline's key.
    Column("method_shown", String(20), nullable=False),
    Column("origins", Integer, nullable=False),  # rolling origins of the backtest
    Index("ix_forecast_runs_as_of", "as_of"),
    info={"revision": "0005_forecasts"},
)

# Expected crimes per village in as_of + 1 … as_of + horizon_days, for the model and each baseline.
village_forecasts = Table(
    "village_forecasts",
    metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("method", String(20), primary_key=True),  # "model", "last_28", "mean_12m", "last_year"
    Column("village_code", code_column(), primary_key=True),
    Column("unit_code", code_column(), nullable=False),  # the village's Polsek
    Column("expected_crimes", Float, nullable=False),
    Column("lower", Float, nullable=False),  # 90 % interval
    Column("upper", Float, nullable=False),
    Column("risk_rank", Integer, nullable=False),  # 1 = highest expected; ties share the smallest rank
    info={"revision": "0005_forecasts"},
)

# The rolling-origin backtest, overall (scope_code "") and per unit, for the model and each baseline.
backtest_scores = Table(
    "backtest_scores",
    metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("scope_code", code_column(), primary_key=True),
    Column("method", String(20), primary_key=True),
    Column("pai_5", Float),  # Predictive Accuracy Index when the top 5 % of villages are targeted
    Column("pai_10", Float),
    Column("pai_20", Float),
    Column("hit_rate_5", Float),  # share of the crimes that fell in the targeted villages
    Column("hit_rate_10", Float),
    Column("hit_rate_20", Float),
    Column("deviance", Float),  # mean Poisson deviance per village and origin
    Column("crimes", Integer, nullable=False),  # crimes in the forecast windows scored
    Column("villages", Integer, nullable=False),
    info={"revision": "0005_forecasts"},
)

# Emerging hot spots (Getis-Ord Gi* per month and a trend test) as of the run's as_of.
village_hotspots = Table(
    "village_hotspots",
    metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("village_code", code_column(), primary_key=True),
    Column("unit_code", code_column(), nullable=False),
    # "new", "intensifying", "persistent", "diminishing", "sporadic", or "" (none)
    Column("hotspot_class", String(20), nullable=False),
    Column("gi_z", Float),  # Gi* z of the last complete month
    Column("trend_z", Float),  # Mann-Kendall statistic of the monthly Gi* z
    Column("trend_p", Float),
    Column("hot_months", Integer, nullable=False),  # months significantly hot after the correction
    Column("months", Integer, nullable=False),
    info={"revision": "0005_forecasts"},
)

# -- Tindak lanjut (issue 20): every alert item given an action and followed to its end. An item is keyed by the
# alert it comes from (kind, subject); at most one item per (kind, subject) is open at a time, so opening the
# same alert twice gives one item, while an alert that comes back after an item closed opens a new one.
FOLLOW_UP_OPEN = ("baru", "ditangani")
_OPEN_ITEMS = text("status IN ('baru', 'ditangani')")
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # queries/follow_up.py KINDS
    Column("subject", code_column(), nullable=False),  # village_code, nrp, complaint_id or unit code ("" = national)
    Column("unit_code", code_column(), ForeignKey("units.code")),  # the Polsek (or unit) it belongs to; NULL national
    Column("opened_on", Date, nullable=False),  # the alert's as-of date (the window end that showed it)
    Column("opened_at", DateTime, nullable=False),  # naive UTC
    Column("opened_by", String(80), nullable=False),
    Column("assignee", String(80), ForeignKey("users.username")),
    Column("due_on", Date),  # a local date of the unit
    Column("note", Text),  # what was promised or asked
    Column("status", String(20), nullable=False),  # baru, ditangani, selesai, tidak_perlu
    Column("reason", Text),  # why "tidak_perlu"
    Column("closed_at", DateTime),
    Column("closed_by", String(80)),  # a username, or queries/follow_up.py EVIDENCE
    Column("evidence_at", DateTime),  # when the resolving fact happened (a DDS visit, a report, a response), UTC
    Column("evidence_ref", code_column()),  # which record: the report id or the complaint id
    Index("ix_follow_ups_unit", "unit_code"),
    Index("ux_follow_ups_open", "kind", "subject", unique=True, postgresql_where=_OPEN_ITEMS,
          sqlite_where=_OPEN_ITEMS),
    info={"revision": "0007_follow_up"},
)

# Every change of an item: who (a username or EVIDENCE), when (UTC), what changed from what to what, and a note.
follow_up_history = Table(
    "follow_up_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("follow_ups.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("change", String(20), nullable=False),  # opened, status, assignee, due, note
    Column("old_value", Text),
    Column("new_value", Text),
    Column("note", Text),
    Index("ix_follow_up_history_item", "item_id", "at"),
    Index("ix_follow_up_history_at", "at"),
    info={"revision": "0007_follow_up"},
)

# -- Delivery of the briefing pack (issue 20): who receives which unit's pack, when, and every attempt.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_code", code_column(), ForeignKey("units.code"), nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday … 6 = Sunday, in the unit's time zone
    Column("hour", Integer, nullable=False),  # 0–23, local
    Column("days", Integer, nullable=False),  # the pack's window: the days before the slot's local date
    Column("language", String(2), nullable=False),  # "id" | "en"
    Column("format", String(4), nullable=False),  # "pdf" | "html"
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),  # naive UTC
    Column("created_by", String(80)),
    info={"revision": "0008_subscriptions"},
)

subscription_recipients = Table(
    "subscription_recipients",
    metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    Column("username", String(80), ForeignKey("users.username", ondelete="CASCADE"), primary_key=True),
    info={"revision": "0008_subscriptions"},
)

# One row per attempt. No foreign key to subscriptions: the log outlives a removed subscription.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, nullable=False),
    Column("username", String(80), nullable=False),
    Column("unit_code", code_column()),  # the unit the recipient's pack covered (None: nothing sent)
    Column("slot_local", DateTime, nullable=False),  # the scheduled time, local to the subscription's unit
    Column("slot_utc", DateTime, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # "sent" | "retrying" | "failed" | "skipped"
    Column("error", Text),
    Column("sent_at", DateTime),  # naive UTC of this attempt
    Column("bytes", Integer),  # size of the attached pack
    Index("ix_deliveries_slot", "subscription_id", "slot_utc", "username"),
    info={"revision": "0008_subscriptions"},
)
