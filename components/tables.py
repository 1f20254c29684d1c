"""Tables as users expect them: translated headers, readable numbers, a CSV download of what is shown."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from components.auth import audit
from components.i18n import fmt_int, t


def record_download(file_name: str) -> None:
    """Note in the audit log who downloaded what, for which scope (downloads may hold personal data)."""
    scope = st.session_state.get("scope")
    where = f" [{scope.unit_code or 'nasional'} {scope.start}..{scope.end}]" if scope else ""
    audit(st.session_state.get("user"), "download", file_name + where)


def download_button(frame: pd.DataFrame, file_name: str, key: str) -> None:
    """Offer the rows as CSV (UTF-8 with BOM, so Excel shows Indonesian names correctly)."""
    st.download_button(t("table.download"), frame.to_csv(index=False).encode("utf-8-sig"), file_name=file_name,
                       mime="text/csv", key=f"download_{key}", icon=":material/download:",
                       on_click=record_download, args=(file_name,))


def excel_button(frame: pd.DataFrame, file_name: str, key: str, sheet: str = "Data") -> None:
    """Offer the rows as an Excel workbook (one sheet)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    st.download_button(t("table.download_excel"), buffer.getvalue(), file_name=file_name, key=f"download_{key}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table_view:", on_click=record_download, args=(file_name,))


MAX_SHOWN_ROWS = 5000


def table_with_download(frame: pd.DataFrame, headers: dict[str, str], file_name: str, key: str,
                        column_config: dict | None = None, show: bool = True) -> None:
    """Show the table with human headers (unless already drawn another way) and offer the same rows as CSV."""
    shown = frame[list(headers)].rename(columns=headers)
    if show:
        config = {headers[column]: value for column, value in (column_config or {}).items()}
        # A national table of 80,000 villages would send megabytes to the browser; the download has them all.
        st.dataframe(shown.head(MAX_SHOWN_ROWS), hide_index=True, width="stretch", column_config=config)
        if len(shown) > MAX_SHOWN_ROWS:
            st.caption(t("table.capped", shown=fmt_int(MAX_SHOWN_ROWS), rows=fmt_int(len(shown))))
    download_button(shown, file_name, key)


def percent_column(label: str, help: str | None = None):
    """A column of percentages (values already multiplied by 100)."""
    return st.column_config.NumberColumn(label, format="%.1f%%", help=help)
