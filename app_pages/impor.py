"""Impor Data (admin): upload a BOS export, read the dry run, then confirm; the history of imports."""

import streamlit as st

from components import data
from components.filters import display_zone
from components.i18n import t
from components.import_view import MAX_UPLOAD_MB, history_table, read_upload, run_import, show_report
from components.safe import md
from ingest.reader import ExportError

user = st.session_state["user"]
st.title(t("import.title"))
st.caption(t("import.help", mb=MAX_UPLOAD_MB))

files = st.file_uploader(t("import.upload"), type=["zip", "xlsx", "csv", "geojson"], accept_multiple_files=True,
                         key="import_files")
if files:
    try:
        raw = read_upload(files)
    except ExportError as exc:
        st.error(md(exc))
        st.stop()
    st.subheader(t("import.dry_run"))
    upload = tuple((file.name, file.size, file.file_id) for file in files)
    if st.session_state.get("import_checked", (None,))[0] != upload:  # check each upload once, not per click
        st.session_state["import_checked"] = (upload, run_import(raw, user, keep_valid=True, dry_run=True))
    report = st.session_state["import_checked"][1]
    show_report(report, "dry_run")
    if not report.fatal:
        keep_valid = bool(report.problems) and st.checkbox(t("import.keep_valid"), key="import_keep_valid")
        ready = not report.problems or keep_valid
        if st.button(t("import.confirm"), type="primary", disabled=not ready, key="import_confirm"):
            result = run_import(raw, user, keep_valid=keep_valid, dry_run=False)
            if result.written:
                st.success(t("import.done", batch=result.batch_id, seconds=f"{result.seconds:.1f}"))
            show_report(result, "import")

st.header(t("import.history"))
history_table(data.import_history(), display_zone(st.session_state.get("scope")))
