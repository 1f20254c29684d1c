"""Loading a BOS export from the browser: read the upload, show the dry run, import on confirmation."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pandas as pd
import streamlit as st

from components import data
from components.i18n import TEXTS, fmt_amount, fmt_int, fmt_local_moment, t, t_count
from components.safe import md
from components.tables import download_button, show_table
from ingest.importer import WAITING, ImportReport, import_export
from ingest.reader import ExportError, Problem, RawExport, read_files, read_workbook, read_zip
from queries.accounts import User

MAX_UPLOAD_MB = st.get_option("server.maxUploadSize")  # set once, in .streamlit/config.toml (Streamlit enforces it too)


def read_upload(files) -> RawExport:
    """One .zip, one .xlsx, or loose .csv/.geojson files, as an export (ExportError with a reason otherwise)."""
    total = sum(file.size for file in files)
    if total > MAX_UPLOAD_MB * 1024**2:
        raise ExportError(t("import.too_big", mb=MAX_UPLOAD_MB))
    suffixes = {PurePosixPath(file.name).suffix.lower() for file in files}
    names = ", ".join(file.name for file in files)
    if suffixes & {".zip", ".xlsx"}:
        if len(files) > 1:
            raise ExportError(t("import.one_archive"))
        file = files[0]
        reader = read_zip if file.name.lower().endswith(".zip") else read_workbook
        return reader(file.getvalue(), label=file.name, source=f"upload: {file.name}")
    return read_files({file.name: file.getvalue() for file in files}, source=f"upload: {names}")


def counts_table(report: ImportReport) -> pd.DataFrame:
    return pd.DataFrame([{t("import.col.file"): name, t("import.col.read"): c.read, t("import.col.new"): c.new,
                          t("import.col.updated"): c.updated, t("import.col.unchanged"): c.unchanged,
                          t("import.col.rejected"): c.rejected} for name, c in report.files.items()])


def reason_text(code: str, params: dict, english: str) -> str:
    """A rejection reason in the chosen language; the importer's English text for a code without one."""
    if not code or f"import.reason.{code}" not in TEXTS:
        return english
    shown = {name: fmt_int(value) if isinstance(value, int) else fmt_amount(value) if isinstance(value, float)
             else value for name, value in params.items()}  # limits written the language's way: -90 · 0,5
    try:
        return t(f"import.reason.{code}", **shown)
    except (KeyError, IndexError):  # parameters of another version of the importer (stored history)
        return english


def problems_table(problems) -> pd.DataFrame:
    return pd.DataFrame([{t("import.col.file"): p.file, t("import.col.line"): "" if p.line is None else str(p.line),
                          t("import.col.column"): p.column,
                          t("import.col.reason"): reason_text(p.code, p.params, p.reason),
                          t("import.col.record"): json.dumps(p.record, ensure_ascii=False) if p.record else ""}
                         for p in problems],
                        columns=[t(f"import.col.{c}") for c in ("file", "line", "column", "reason", "record")])


def show_report(report: ImportReport, key: str) -> None:
    """Counts per file, warnings, and every rejected row (downloadable)."""
    if report.fatal:
        st.error(md(report.fatal))
        return
    for warning in report.warnings:
        st.warning(md(warning))
    show_table(counts_table(report))
    if report.problems:
        st.error(t("import.rejected", rows=t_count("import.count.rows", report.rejected_rows),
                   problems=t_count("import.count.problems", len(report.problems))))
        problems = problems_table(report.problems)
        show_table(problems.head(1000))
        download_button(problems, "baris_ditolak.csv", f"rejects_{key}")


def run_import(raw: RawExport, user: User, keep_valid: bool, dry_run: bool) -> ImportReport:
    """Import (or dry-run) the upload with a progress bar (the importer records it in the audit log)."""
    bar = st.progress(0.0, text=t("import.checking"))

    def progress(stage: str, done: int, total: int) -> None:
        if stage == WAITING:
            bar.progress(0.0, text=t("import.waiting"))
            return
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{stage}: {fmt_int(done)}/{fmt_int(total)}")

    report = import_export(data.engine(data.resolve_url()), raw, dry_run=dry_run, keep_valid=keep_valid,
                           imported_by=user.username, progress=progress)
    bar.empty()
    if not dry_run:
        st.cache_data.clear()  # every page shows the new data at once
        data.village_outlines.clear()
        data.map_outlines.clear()  # outlines are kept as shared objects (cache_resource), not cache_data
    return report


def history_table(history: pd.DataFrame, zone: str) -> None:
    """Past imports, their times in the zone's local time; the rejected rows of each can be downloaded again."""
    if history.empty:
        st.info(t("import.no_history"))
        return
    shown = history.assign(mode=history["mode"].map(lambda mode: t(f"import.mode.{mode}")),  # words, not codes
                           finished_at=[fmt_local_moment(at, zone) for at in history["finished_at"]])
    shown = shown.rename(columns={c: t(f"import.hist.{c}") for c in
                                    ("finished_at", "imported_by", "source", "mode", "rows_read", "rows_new",
                                     "rows_updated", "rows_unchanged", "rows_rejected")})
    show_table(shown.drop(columns=["id", "report_json"]))
    with_rejects = history[history["rows_rejected"] > 0]
    if not with_rejects.empty:
        choice = st.selectbox(t("import.rejects_of"), with_rejects["id"].tolist(), key="import_rejects_batch",
                              format_func=lambda i: f"#{i} · {history.set_index('id').loc[i, 'source']}")
        stored = json.loads(history.set_index("id").loc[choice, "report_json"] or "{}").get("problems", [])
        # The same layout as the dry run's download: the row as read in JSON, not as a Python dict.
        download_button(problems_table([Problem(**problem) for problem in stored]), f"ditolak_impor_{choice}.csv",
                        "history_rejects")
