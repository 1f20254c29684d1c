"""Command line for the Binmas dashboard: database setup, sample data, imports and exports.

    python manage.py init-db [--db URL]
    python manage.py load-sample [--db URL] [--out DIR] [--if-missing]
    python manage.py generate --scale polres|polda|national --out DIR [--days N] [--daily [YYYY-MM-DD]]
                              [--seed N] [--crime-structure sample|kedua]
    python manage.py bench --db URL [--scale polres|polda|national] [--data DIR] [--json FILE]
    python manage.py bench-table [--before OLD.json] NEW.json [NEW.json ...]
    python manage.py bench-import --db URL --scenario bulk|daily|year [--scale S] [--data DIR] [--daily DIR]
    python manage.py import PATH [--db URL] [--dry-run] [--keep-valid --rejects FILE]
    python manage.py export KIND --start YYYY-MM-DD --end YYYY-MM-DD [--unit CODE] [--level LEVEL] [--out FILE]
    python manage.py export forecast --as-of YYYY-MM-DD [--horizon-days 28] [--unit CODE] [--out FILE]
    python manage.py forecast [--as-of YYYY-MM-DD] [--horizon-days 28] [--db URL]
    python manage.py user add|disable|enable|list|set-role|set-password|set-email|sign-out ...
    python manage.py briefing --unit CODE --end YYYY-MM-DD [--days N] --format pdf|html --lang id|en --out FILE
    python manage.py subscription add|list|remove|pause|resume ...
    python manage.py send-briefings [--now ISO] [--db URL]
    python manage.py scheduler [--every-minutes N] [--db URL]
    python manage.py refresh-flags [--db URL]
    python manage.py refresh-outlines [--db URL]
    python manage.py follow-up-close [--db URL]

Without --db the database is BOS_DATABASE_URL, else [connections.bos] url in
.streamlit/secrets.toml, else the embedded SQLite file data/bos.sqlite.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from queries.accounts import ROLES
from queries.db import make_engine, resolve_url
from queries.exports import KINDS
from queries.hierarchy import LEVELS
from queries.migrations import SchemaNotCurrent, create_schema, head_revision
from queries.policy import load_policy
from queries.schema import activities
from queries.settings import SettingsError, settings
from sample_data.crime_signal import STRUCTURES
from sample_data.generator import SEED


class ProgressPrinter:
    """Prints import progress to stderr: one updating line on a terminal, a line per step otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.stage = None
        self.started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        text = f"[{elapsed:6.1f}s] {stage}: {done:,}/{total:,}"
        if self.tty:
            end = "\n" if done >= total else ""
            print(f"\r{text:<70}", end=end, file=sys.stderr, flush=True)
        elif stage != self.stage or done >= total:
            print(text, file=sys.stderr, flush=True)
        self.stage = stage


def describe(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def cmd_init_db(args) -> int:
    """Create the tables, or upgrade them, by running the migrations up to the newest."""
    url = resolve_url(args.db)
    engine = make_engine(url)
    create_schema(engine)
    print(f"Schema ready in {describe(url)} (migration {head_revision()})")
    from ingest.importer import refresh_all_outlines

    drawn = refresh_all_outlines(engine, only_if_missing=True)
    if drawn:
        print(f"Map outlines stored for {drawn:,} scope(s)")
    return 0


def cmd_import(args) -> int:
    from ingest.importer import import_export

    if args.keep_valid and not args.rejects:
        print("--keep-valid needs --rejects FILE, so no rejected row is silently lost", file=sys.stderr)
        return 2
    url = resolve_url(args.db)
    report = import_export(make_engine(url), args.path, dry_run=args.dry_run, keep_valid=args.keep_valid,
                           progress=ProgressPrinter())
    print_report(report)
    if args.rejects and report.problems:
        report.write_rejects(args.rejects)
        print(f"{len(report.problems)} problem(s) written to {args.rejects}", file=sys.stderr)
    if report.fatal:
        return 1
    if report.problems and not args.keep_valid:
        return 1
    if args.dry_run and report.problems:
        return 1
    return 0


def print_report(report) -> None:
    """Counts per file, every problem by file:line: column: reason, and what happened."""
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.fatal:
        print(f"error: {report.fatal}", file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return
    width = max((len(name) for name in report.files), default=10)
    for name, c in report.files.items():
        print(f"{name:<{width}}  {c.read:>9,} read  {c.new:>9,} new  {c.updated:>8,} updated  "
              f"{c.unchanged:>9,} unchanged  {c.rejected:>7,} rejected")
    shown = [p for p in report.problems if not p.consequential]
    for problem in shown:
        print(problem, file=sys.stderr)
    hidden = len(report.problems) - len(shown)
    if hidden:
        print(f"... and {hidden:,} rows not read or not loaded because of a problem above (each listed in the "
              "rejects file)", file=sys.stderr)
    rejected = report.rejected_rows
    if report.dry_run:
        verdict = "Dry run: nothing was written."
        if report.problems:
            verdict += f" {rejected:,} row(s) would be rejected."
    elif report.written:
        verdict = f"Imported in {report.seconds:.1f}s (batch {report.batch_id})."
        if rejected:
            verdict += f" {rejected:,} rejected row(s) were not loaded."
    else:
        verdict = (f"Nothing was written: {rejected:,} row(s) rejected. Fix them, or load the valid rows "
                   "with --keep-valid --rejects FILE.")
    print(verdict, file=sys.stderr)


BENCH_DIR = Path(tempfile.gettempdir()) / "bos-bench"  # where bench and bench-import generate missing exports


NEXT_DAY = "next"  # generate --daily without a date: the day after the exports' last


def cmd_generate(args) -> int:
    from sample_data.scale import generate_daily, generate_scale, scale_of

    started = time.perf_counter()
    try:
        scale = scale_of(args.scale, args.days)
        if args.daily:
            day = None if args.daily == NEXT_DAY else date.fromisoformat(args.daily)
            print(f"Generating the {args.scale} reports of {day or 'the day after the export'} "
                  f"(activities.csv only) in {args.out} ...", file=sys.stderr)
            counts = generate_daily(args.scale, args.out, day, args.seed, args.days, args.crime_structure)
        else:
            print(f"Generating a {args.scale} export ({scale.copies} copies of {len(scale.patterns)} district(s), "
                  f"{scale.days} days, seed {args.seed}, crime structure {args.crime_structure}) in {args.out} ...",
                  file=sys.stderr)
            counts = generate_scale(args.scale, args.out, args.seed, args.days, args.crime_structure)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    print(", ".join(f"{name}: {n:,}" for name, n in counts.items()))
    size = (Path(args.out) / "activities.csv").stat().st_size
    rows = counts["activities.csv"]
    print(f"Generated in {seconds:.0f}s: {rows / seconds:,.0f} activities/s, activities.csv {size / 2**20:,.0f} MB "
          f"({size / max(rows, 1):,.0f} bytes per activity).", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    import benchmark

    url = resolve_url(args.db)
    engine = make_engine(url)
    create_schema(engine)
    report = {"database": describe(url), "dialect": engine.dialect.name, "machine": benchmark.machine(),
              "scale": args.scale, "date": datetime.now(UTC).date().isoformat(), "repeat": args.repeat}
    if benchmark.counts(engine)["activities"] == 0:
        if not args.scale:
            print(f"{describe(url)} holds no activities; give --scale to generate and import an export.",
                  file=sys.stderr)
            return 1
        from ingest.importer import import_export
        from sample_data.scale import generate_scale

        data_dir = Path(args.data or BENCH_DIR / args.scale)
        if not (data_dir / "activities.csv").exists():
            print(f"Generating the {args.scale} export in {data_dir} ...", file=sys.stderr)
            generate_scale(args.scale, data_dir)
        started = time.perf_counter()
        result = import_export(engine, data_dir, progress=ProgressPrinter())
        seconds = time.perf_counter() - started
        if result.fatal or result.problems:
            print_report(result)
            return 1
        rows = result.files["activities.csv"].read
        report["import"] = {"activities": rows, "seconds": seconds, "activities_per_s": rows / seconds,
                            "phases": result.phases}
        print(f"Import: {rows:,} activities in {seconds:.1f}s = {rows / seconds:,.0f} activities/s", file=sys.stderr)
        print("  " + ", ".join(f"{name} {spent:.1f}s" for name, spent in result.phases.items()), file=sys.stderr)
    report["rows"] = benchmark.counts(engine)
    report["storage_mb"] = benchmark.storage_mb(engine)
    print("Pages (median seconds):", file=sys.stderr)
    report["pages"], report["load"] = benchmark.bench_pages(url, repeat=args.repeat, scopes=args.scopes,
                                                           skip_naive=args.skip_naive,
                                                           naive_budget_bytes=args.naive_budget_gb * 2**30)
    if not args.skip_exports:
        print("Exports:", file=sys.stderr)
        report["exports"] = benchmark.bench_exports(url)
    report["payload"] = benchmark.page_payload(url)
    print(benchmark.markdown_table(report["pages"]))
    print(f"Peak memory of an app process serving every page of the largest scope: "
          f"{report['payload']['peak_rss_mb']:,.0f} MB; "
          f"data of the largest scope's pages ({report['payload']['scope']}): {report['payload']['bytes']}")
    out = Path(args.json or f"test-artifacts/bench-{args.scale or 'db'}-{engine.dialect.name}.json")
    benchmark.write_report(out, report)
    print(f"Report written to {out}", file=sys.stderr)
    return 0


def cmd_bench_table(args) -> int:
    """Print the README's scale tables from saved `bench` reports, optionally beside an older one."""
    import benchmark

    def read(path: str) -> dict:
        return json.loads(Path(path).read_text(encoding="utf-8"))

    before = read(args.before) if args.before else None
    label = args.before_label or (before or {}).get("date") or "before"
    reports = {f"{report.get('scale') or Path(path).stem}, {report.get('dialect', '?')}": report
               for path, report in ((path, read(path)) for path in args.reports)}
    print(benchmark.report_tables(reports, before, label))
    return 0


def cmd_bench_import(args) -> int:
    """Time one import scenario (bulk, daily or year) in a process of its own; print a table row, write JSON."""
    import benchmark
    import benchmark_import as bench

    url = resolve_url(args.db)
    engine = make_engine(url)
    create_schema(engine)
    loaded = bench.activity_count(engine)
    if (args.scenario == "daily") != (loaded > 0):
        need = "a database already loaded (import an export first)" if args.scenario == "daily" else \
            "an empty database"
        print(f"The {args.scenario} scenario needs {need}; {describe(url)} holds {loaded:,} activities.",
              file=sys.stderr)
        return 1
    scale = args.scale or ("national" if args.scenario == "year" else None)
    report = {"database": describe(url), "dialect": engine.dialect.name, "machine": benchmark.machine(),
              "database_version": bench.database_version(engine), "scenario": args.scenario, "scale": scale}
    try:
        run = bench_year if args.scenario == "year" else bench_export_file
        result, label = run(args, engine, url, scale)
    except bench.BenchRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report.update(result, label=label)
    report["storage_mb"] = benchmark.storage_mb(engine)
    if not result.get("ok"):
        print(f"The import did not load cleanly: {result.get('fatal') or result.get('problems')}", file=sys.stderr)
    print(bench.markdown_row(report))
    if "projection" in report:
        print(bench.projection_table(report))
    out = Path(args.json or f"docs/bench/import-{args.scenario}-{scale or 'data'}-{engine.dialect.name}.json")
    benchmark.write_report(out, report)
    print(f"Report written to {out}", file=sys.stderr)
    return 0 if result.get("ok") else 1


def bench_year(args, engine, url: str, scale: str) -> tuple[dict, str]:
    """The year scenario: generate --days (or the most the disk holds) of the scale, import, project."""
    import benchmark_import as bench

    out = Path(args.data or BENCH_DIR / f"{scale}-year")
    if (out / "activities.csv").exists():
        raise bench.BenchRefused(f"{out} already holds an export; give an empty --data folder")
    days = bench.days_option(args.days)
    if days is None:
        days = bench.days_that_fit(bench.free_disk_bytes(out), bench.ACTIVITIES_PER_DAY[scale])
        if days < 1:
            raise bench.BenchRefused(f"not even one day of the {scale} scale fits on the disk of {out}")
    print(f"Generating {days} days of the {scale} scale in {out}, then importing it ...", file=sys.stderr)
    return bench.bench_year(engine, url, scale, days, out, echo=not args.quiet), f"year {scale} ({days} days)"


def bench_export_file(args, engine, url: str, scale: str | None) -> tuple[dict, str]:
    """The bulk or daily scenario: import the export (or daily file), generating it first where missing."""
    import benchmark_import as bench
    from sample_data.scale import generate_daily, generate_scale

    days = bench.days_option(args.days)
    daily = args.scenario == "daily"
    given = args.daily if daily else args.data
    if not (given or scale):
        raise bench.BenchRefused("give the export (--data DIR, or --daily DIR) or a --scale to generate")
    suffix = (f"-{days}d" if days else "") + ("-daily" if daily else "")
    source = Path(given) if given else BENCH_DIR / f"{scale}{suffix}"
    if not (source / "activities.csv").exists():
        if not scale:
            raise bench.BenchRefused(f"{source} holds no activities.csv; give --scale to generate it there")
        print(f"Generating the {scale} {args.scenario} export in {source} ...", file=sys.stderr)
        (generate_daily if daily else generate_scale)(scale, source, days=days)
    result = bench.measure_import(engine, url, source, echo=not args.quiet)
    result["export_bytes"] = bench.files_bytes(source)
    return result, f"{args.scenario} {scale or source.name}"


def cmd_load_sample(args) -> int:
    from ingest.importer import import_export
    from queries import accounts
    from sample_data.generator import generate

    url = resolve_url(args.db)
    engine = make_engine(url)
    create_schema(engine)
    with engine.connect() as conn:
        has_data = conn.execute(select(func.count()).select_from(activities)).scalar_one() > 0
        real_imports = accounts.real_imports(conn)
    if has_data and args.if_missing:
        print(f"Sample data already in {describe(url)}; nothing to do.", file=sys.stderr)
        return 0
    if real_imports and not args.force:
        print(f"{describe(url)} holds {real_imports} import(s) of real exports; refusing to mix sample data "
              "into it (use --force if you really mean it).", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bos-sample-") as scratch:
        out = Path(args.out) if args.out else Path(scratch)
        print(f"Generating the sample export in {out} ...", file=sys.stderr)
        counts = generate(out)
        print("  " + ", ".join(f"{name}: {n:,}" for name, n in counts.items()), file=sys.stderr)
        print(f"Importing into {describe(url)} ...", file=sys.stderr)
        report = import_export(engine, out, imported_by="sample", progress=ProgressPrinter())
    if report.written:
        with engine.begin() as conn:  # the one mark of the sample (demo mode), which no other import sets
            accounts.mark_sample_import(conn, report.batch_id)
    print_report(report)
    if not report.ok:
        return 1
    from forecast.history import ForecastError
    from forecast.run import compute_run  # the demo's Peringatan Dini page has a run to show

    print("Computing the forecast and its backtest ...", file=sys.stderr)
    try:
        compute_run(engine)
    except ForecastError as exc:  # an export without crimes: the page says there is no run yet
        print(f"  no forecast: {exc}", file=sys.stderr)
    print(f"Sample database built in {time.perf_counter() - started:.1f}s.", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from queries.exports import export_frame
    from queries.scope import Scope

    if args.kind == "forecast":
        return cmd_export_forecast(args)
    if args.start is None or args.end is None:
        print(f"error: export {args.kind} needs --start and --end", file=sys.stderr)
        return 2
    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
        scope = Scope(args.unit, start, end, load_policy(args.policy))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(resolve_url(args.db))
    with engine.connect() as conn:
        if args.unit is not None and unit_level(conn, args.unit) is None:
            print(f"error: unknown unit {args.unit!r}", file=sys.stderr)
            return 2
        frame = export_frame(conn, args.kind, scope, args.level)
    write_csv(frame, args.out)
    return 0


def unit_level(conn, code: str) -> str | None:
    """The level of a unit, None when there is no such unit."""
    from queries.schema import units

    return conn.execute(select(units.c.level).where(units.c.code == code)).scalar()


def write_csv(frame, out: str | None) -> None:
    """An export's CSV to the file `out`, or to standard output."""
    from queries.exports import to_csv

    text = to_csv(frame)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"{len(frame):,} rows written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_export_forecast(args) -> int:
    """DESIGN §5: the shown method's forecast per village at --as-of, using nothing dated after it."""
    from forecast.history import ForecastError
    from forecast.run import export_forecast

    if args.as_of is None:
        print("error: export forecast needs --as-of YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        as_of = date.fromisoformat(args.as_of)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(resolve_url(args.db))
    with engine.connect() as conn:
        if args.unit is not None and unit_level(conn, args.unit) is None:
            print(f"error: unknown unit {args.unit!r}", file=sys.stderr)
            return 2
        try:
            frame = export_forecast(conn, as_of, args.horizon_days, args.unit)
        except ForecastError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    write_csv(frame, args.out)
    return 0


def cmd_forecast(args) -> int:
    """Compute, store and summarise one forecast run (the backtest: the model against each baseline)."""
    from forecast.history import ForecastError
    from forecast.report import summary_table
    from forecast.run import compute_run
    from queries.schema import backtest_scores, forecast_runs

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(resolve_url(args.db))
    started = time.perf_counter()
    try:
        run_id = compute_run(engine, as_of, args.horizon_days)
    except ForecastError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with engine.connect() as conn:
        run = conn.execute(select(forecast_runs).where(forecast_runs.c.run_id == run_id)).mappings().one()
        rows = conn.execute(select(backtest_scores).where(backtest_scores.c.run_id == run_id,
                                                          backtest_scores.c.scope_code == "")).mappings().all()
    print(f"Run {run_id}: as of {run['as_of']}, next {run['horizon_days']} days, {run['origins']} backtest origins, "
          f"{time.perf_counter() - started:.1f}s")
    print(summary_table([dict(row) for row in rows]))
    print(f"Shown: {run['method_shown']}")
    return 0


def cmd_refresh_flags(args) -> int:
    from ingest.importer import refresh_all_flags

    url = resolve_url(args.db)
    policy = load_policy()
    changed = refresh_all_flags(make_engine(url), policy, progress=ProgressPrinter())
    print(f"Flags recomputed with {policy.flag_values()} in {describe(url)} "
          f"({changed:,} report(s) had a stale duplicate or travel measure)")
    return 0


def cmd_follow_up_close(args) -> int:
    """Close the follow-up items the stored data resolves (each import does it too)."""
    from queries.follow_up import close_by_evidence

    url = resolve_url(args.db)
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        closed = close_by_evidence(conn)
    print(f"{closed:,} follow-up item(s) closed by evidence in {describe(url)}")
    return 0


def cmd_refresh_outlines(args) -> int:
    from ingest.importer import refresh_all_outlines

    url = resolve_url(args.db)
    started = time.perf_counter()
    drawn = refresh_all_outlines(make_engine(url))
    print(f"Map outlines redrawn for {drawn:,} scope(s) in {describe(url)} ({time.perf_counter() - started:.1f}s)")
    return 0


def read_password(args) -> str | None:
    """The new password: one line on standard input (--password-stdin) or typed twice at a prompt."""
    if getattr(args, "no_password", False):
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("the two passwords differ")
    return first


def cmd_user(args) -> int:
    from queries import accounts

    engine = make_engine(resolve_url(args.db))
    create_schema(engine)
    try:
        with engine.begin() as conn:
            if args.action == "add":
                password = read_password(args)
                accounts.add_user(conn, args.username, args.name or args.username, args.role, args.unit,
                                  password=password, email=args.email)
                print(f"added {args.username} ({args.role}{' ' + args.unit if args.unit else ''})")
            elif args.action in ("disable", "enable"):
                accounts.set_disabled(conn, args.username, args.action == "disable")
                print(f"{args.username} {args.action}d")
            elif args.action == "set-role":
                accounts.set_role(conn, args.username, args.role, args.unit)
                print(f"{args.username} is now {args.role}{' of ' + args.unit if args.unit else ''}")
            elif args.action == "set-password":
                accounts.set_password(conn, args.username, read_password(args))
                print(f"password of {args.username} changed; signed out everywhere")
            elif args.action == "set-email":
                accounts.set_email(conn, args.username, args.email)
                print(f"e-mail of {args.username} set to {args.email}")
            elif args.action == "sign-out":
                print(f"{args.username}: {accounts.revoke_sessions(conn, args.username)} session(s) ended")
            else:
                print(accounts.list_users(conn).to_string(index=False))
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def point_loaders_at(url: str) -> None:
    """Make the dashboard's loaders (components/data.py), used outside Streamlit here, read this database."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # "no runtime found": expected, the caches work in memory
    os.environ["BOS_DATABASE_URL"] = url
    os.environ.pop("BOS_READ_DATABASE_URL", None)  # a pack is read where its subscriptions and log are


def cmd_briefing(args) -> int:
    """Write the briefing pack of a unit and window as PDF or HTML."""
    from queries.schema import units
    from queries.scope import Scope

    url = resolve_url(args.db)
    try:
        end = date.fromisoformat(args.end)
        scope = Scope(args.unit, end - timedelta(days=args.days - 1), end, load_policy())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with make_engine(url).connect() as conn:
        if conn.execute(select(units.c.code).where(units.c.code == args.unit)).first() is None:
            print(f"error: unknown unit {args.unit!r}", file=sys.stderr)
            return 2
    point_loaders_at(url)
    from components.briefing import briefing_html, briefing_pdf  # after the loaders know their database

    html = briefing_html(scope, lang=args.lang)
    content = briefing_pdf(html) if args.format == "pdf" else html.encode("utf-8")
    Path(args.out).write_bytes(content)
    print(f"{args.format.upper()} of {args.unit} {scope.start} – {scope.end} written to {args.out} "
          f"({len(content):,} bytes)", file=sys.stderr)
    return 0


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday(value: str) -> int:
    """0-6 (Monday = 0) or the English day's first three letters."""
    key = value.strip().lower()[:3]
    if key in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.index(key)
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    raise argparse.ArgumentTypeError(f"{value!r}: a weekday is mon … sun or 0 (Monday) … 6")


def cmd_subscription(args) -> int:
    from queries import subscriptions

    engine = make_engine(resolve_url(args.db))
    create_schema(engine)
    try:
        with engine.begin() as conn:
            if args.action == "add":
                new_id = subscriptions.add_subscription(conn, args.unit, args.weekday, args.hour, args.to, args.lang,
                                                        args.format, args.days, created_by="manage.py")
                print(f"subscription {new_id}: {args.unit} every {WEEKDAY_NAMES[args.weekday]} {args.hour:02d}:00 "
                      f"local time to {', '.join(sorted(set(args.to)))}")
            elif args.action in ("pause", "resume"):
                subscriptions.set_active(conn, args.id, args.action == "resume")
                print(f"subscription {args.id} {args.action}d")
            elif args.action == "remove":
                subscriptions.remove_subscription(conn, args.id)
                print(f"subscription {args.id} removed (its deliveries stay in the log)")
            else:
                print(subscriptions.list_subscriptions(conn).to_string(index=False))
    except subscriptions.SubscriptionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def smtp_or_exit():
    from queries.settings import smtp_settings

    smtp = smtp_settings()
    if smtp is None:
        raise SystemExit("error: no [smtp] section in .streamlit/secrets.toml (see secrets.toml.example)")
    return smtp


def send_briefings(url: str, smtp, now: datetime | None = None) -> int:
    """One run of the sender: print one line per recipient's slot handled; 1 if any failed."""
    point_loaders_at(url)
    from components.delivery import send_due
    outcomes = send_due(make_engine(url), smtp, now)
    for o in outcomes:
        print(f"subscription {o.subscription_id} → {o.username}: {o.status}"
              + (f" ({o.unit_code}, {o.attempts} attempt(s))" if o.unit_code else "")
              + (f": {o.reason}" if o.reason else ""), file=sys.stderr)
    print(f"{sum(o.status == 'sent' for o in outcomes)} pack(s) sent at {(now or datetime.now(UTC)).isoformat()}",
          file=sys.stderr)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def cmd_send_briefings(args) -> int:
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError as exc:
        print(f"error: --now: {exc}", file=sys.stderr)
        return 2
    if now is not None and now.tzinfo is None:
        print("error: --now needs an offset (2022-05-16T07:00+07:00 or …Z)", file=sys.stderr)
        return 2
    return send_briefings(resolve_url(args.db), smtp_or_exit(), now)


def cmd_scheduler(args) -> int:
    """Run send-briefings every N minutes until stopped (APScheduler); a slot missed while down is caught up."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    url, smtp = resolve_url(args.db), smtp_or_exit()
    scheduler = BlockingScheduler(timezone=UTC)
    # coalesce: after a pause only one run; max_instances 1: a slow run is never overtaken by the next one.
    scheduler.add_job(send_briefings, "interval", args=(url, smtp), minutes=args.every_minutes, coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    print(f"Sending due briefings every {args.every_minutes} minute(s) from {describe(url)}; Ctrl+C stops.",
          file=sys.stderr)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def cmd_rls_sql(args) -> int:
    from queries.rls import rls_statements

    for statement in rls_statements(args.role):
        print(statement + ";")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Binmas dashboard command line")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p):
        p.add_argument("--db", metavar="URL", help="database URL (default: BOS_DATABASE_URL, secrets, SQLite)")
        return p

    init_db = sub.add_parser("init-db", help="create or upgrade the tables (runs the migrations)")
    with_db(init_db).set_defaults(func=cmd_init_db)

    p = with_db(sub.add_parser("load-sample", help="generate the sample BOS export and import it"))
    p.add_argument("--out", metavar="DIR", help="keep the generated export in DIR")
    p.add_argument("--if-missing", action="store_true", help="do nothing if the database already has activities")
    p.add_argument("--force", action="store_true", help="load even into a database that holds real imports")
    p.set_defaults(func=cmd_load_sample)

    p = with_db(sub.add_parser("import", help="import a BOS export (directory, .xlsx or .zip)"))
    p.add_argument("path", help="export directory, .xlsx workbook, .zip or single contract file")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--keep-valid", action="store_true", help="load the valid rows even if some are rejected")
    p.add_argument("--rejects", metavar="FILE", help="write every rejected row (with reasons) to this CSV")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("generate", help="write a synthetic export of a Polres, a Polda or the whole country")
    p.add_argument("--scale", required=True, choices=["polres", "polda", "national"])
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the export's files")
    p.add_argument("--days", type=int, metavar="N",
                   help="days of reports, ending on 2022-05-15 (default: the scale's; national 31, up to 376)")
    p.add_argument("--daily", nargs="?", const=NEXT_DAY, metavar="YYYY-MM-DD",
                   help="only activities.csv: every officer's reports of one day after the export's last "
                        "(default the day after), to import into a database holding the export (give its --days)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED}, the sample's)")
    p.add_argument("--crime-structure", choices=sorted(STRUCTURES), default="sample",
                   help="how crime is organised: the sample's hot spots, bursts and Lebaran season, or the "
                        "second export's (kedua: other hot spots, year-end season, longer bursts)")
    p.set_defaults(func=cmd_generate)

    p = with_db(sub.add_parser("bench-import", help="time one import (bulk, daily or year) in a process of its "
                                                    "own: activities/s, peak memory, phases"))
    p.add_argument("--scenario", required=True, choices=["bulk", "daily", "year"],
                   help="bulk: the export at --data into an empty database; daily: the day's file at --daily "
                        "into a loaded one; year: generate --days of --scale (default national), import, project")
    p.add_argument("--scale", choices=["polres", "polda", "national"],
                   help="generate the export (or the daily file) of this scale where it is missing")
    p.add_argument("--data", metavar="DIR", help="the export (bulk), or where to generate it (year)")
    p.add_argument("--daily", metavar="DIR", help="the daily file's folder (daily)")
    p.add_argument("--days", default="auto", metavar="N|auto",
                   help="year: days to generate (default auto: the most, up to 365, that fit on the disk); "
                        "bulk and daily: days of the export generated where missing (default the scale's)")
    p.add_argument("--json", metavar="FILE", help="where to write the JSON report (default docs/bench/import-*.json)")
    p.add_argument("--quiet", action="store_true", help="no progress lines from the import")
    p.set_defaults(func=cmd_bench_import)

    p = with_db(sub.add_parser("bench", help="time every page, export and the import against the naive way"))
    p.add_argument("--scale", choices=["polres", "polda", "national"],
                   help="when the database is empty: generate (if needed) and import this scale, timing the import")
    p.add_argument("--data", metavar="DIR", help="where the generated export is (default: a temp folder per scale)")
    p.add_argument("--repeat", type=int, default=3, help="runs per page; medians are reported (default 3)")
    p.add_argument("--scopes", nargs="*", choices=["polsek", "polres", "polda", "nasional"],
                   help="only these scopes (default: all four)")
    p.add_argument("--skip-exports", action="store_true", help="do not time the exports")
    p.add_argument("--skip-naive", action="store_true", help="do not run the naive way (reported as not run)")
    p.add_argument("--naive-budget-gb", type=float, default=4.0,
                   help="skip a page's naive run when its rows (counted first) would need more memory (default 4)")
    p.add_argument("--json", metavar="FILE", help="where to write the JSON report")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("bench-table", help="the README's scale tables from saved bench JSON reports")
    p.add_argument("reports", nargs="+", metavar="NEW.json", help="bench reports, one table each")
    p.add_argument("--before", metavar="OLD.json", help="an older report whose figures go beside each scope's")
    p.add_argument("--before-label", help="the older report's column label (default its date, else 'before')")
    p.set_defaults(func=cmd_bench_table)

    p = with_db(sub.add_parser("export", help="metrics as CSV (column names of docs/metrics-reference.md)"))
    p.add_argument("kind", choices=(*KINDS, "forecast"))
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day of the window (every kind but forecast)")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last day of the window, inclusive (every kind but forecast)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="forecast: the last date the forecast may use")
    p.add_argument("--horizon-days", type=int, default=28, help="forecast: days ahead (default 28)")
    p.add_argument("--unit", metavar="CODE", help="a unit and everything below it (default: everything)")
    p.add_argument("--level", choices=LEVELS, default="polsek",
                   help="unit level of the complaints and effectiveness rows (default polsek)")
    p.add_argument("--policy", metavar="FILE", help="policy settings file (default policy.toml)")
    p.add_argument("--out", metavar="FILE", help="write the CSV here instead of standard output")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("forecast", help="compute and store village crime forecasts and their backtest"))
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="last date used (default: the last crime or activity date)")
    p.add_argument("--horizon-days", type=int, default=28, help="days ahead (default 28)")
    p.set_defaults(func=cmd_forecast)

    p = with_db(sub.add_parser("user", help="manage dashboard accounts"))
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--unit", metavar="CODE", help="home unit (required except for national and admin)")
    add.add_argument("--name", help="display name")
    add.add_argument("--email", help="e-mail of the OpenID Connect identity")
    add.add_argument("--no-password", action="store_true", help="sign-in only through the OpenID Connect provider")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for name in ("disable", "enable"):
        actions.add_parser(name, help=f"{name} an account").add_argument("username")
    role = actions.add_parser("set-role", help="change an account's role and home unit")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--unit", metavar="CODE")
    password = actions.add_parser("set-password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    email = actions.add_parser("set-email", help="set the e-mail (OpenID Connect identity, briefing deliveries)")
    email.add_argument("username")
    email.add_argument("email")
    actions.add_parser("sign-out", help="end every session of an account (a lost phone)").add_argument("username")
    actions.add_parser("list", help="list the accounts")
    for action in actions.choices.values():
        action.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="database URL")
    p.set_defaults(func=cmd_user)

    p = with_db(sub.add_parser("briefing", help="write the briefing pack (PDF or HTML) of a unit"))
    p.add_argument("--unit", required=True, metavar="CODE")
    p.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day of the window (inclusive)")
    p.add_argument("--days", type=int, default=7, metavar="N", help="days of the window (default 7)")
    p.add_argument("--format", choices=["pdf", "html"], default="pdf")
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_briefing)

    p = with_db(sub.add_parser("subscription", help="weekly e-mail of the briefing pack"))
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="subscribe accounts to a unit's pack")
    add.add_argument("--unit", required=True, metavar="CODE")
    add.add_argument("--weekday", required=True, type=weekday, help="mon … sun (the unit's local day)")
    add.add_argument("--hour", required=True, type=int, help="0-23, the unit's local time")
    add.add_argument("--to", required=True, nargs="+", metavar="USERNAME", help="recipient accounts")
    add.add_argument("--days", type=int, default=7, help="days of data before the sending date (default 7)")
    add.add_argument("--lang", choices=["id", "en"], default="id")
    add.add_argument("--format", choices=["pdf", "html"], default="pdf")
    for name in ("remove", "pause", "resume"):
        actions.add_parser(name, help=f"{name} a subscription").add_argument("id", type=int)
    actions.add_parser("list", help="list the subscriptions")
    for action in actions.choices.values():
        action.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="database URL")
    p.set_defaults(func=cmd_subscription)

    p = with_db(sub.add_parser("send-briefings", help="send the packs that are due (idempotent; cron-friendly)"))
    p.add_argument("--now", metavar="ISO", help="the time to act as now, with its offset (default: the clock)")
    p.set_defaults(func=cmd_send_briefings)

    p = with_db(sub.add_parser("scheduler", help="run send-briefings periodically until stopped"))
    p.add_argument("--every-minutes", type=int, default=5, metavar="N", help="minutes between runs (default 5)")
    p.set_defaults(func=cmd_scheduler)

    p = sub.add_parser("rls-sql", help="print the PostgreSQL Row-Level Security setup for a read-only role")
    p.add_argument("--role", default="bos_reader", help="the database role the dashboard connects as (group)")
    p.set_defaults(func=cmd_rls_sql)

    p = with_db(sub.add_parser("refresh-flags",
                               help="recompute every stored flag (after changing policy.toml, or to repair them)"))
    p.set_defaults(func=cmd_refresh_flags)

    p = with_db(sub.add_parser("follow-up-close",
                               help="close the follow-up items the data resolves (every import does it too)"))
    p.set_defaults(func=cmd_follow_up_close)

    p = with_db(sub.add_parser("refresh-outlines",
                               help="redraw the stored map outlines of every scope (the import keeps them current)"))
    p.set_defaults(func=cmd_refresh_outlines)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings(), load_policy()  # a bad variable or policy file stops here, named, before any command starts
    except SettingsError as exc:  # PolicyError included
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except SchemaNotCurrent as exc:  # a database whose tables differ from the baseline: never stamped blindly
        print(f"Cannot migrate: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
