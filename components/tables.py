"""Tables as users expect them: translated headers, readable numbers, a CSV download of what is shown."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from components.auth import audit
from components.data import PAGE_ROWS
from components.i18n import fmt_date, fmt_int, fmt_moment, fmt_num, t
from queries.spreadsheet import csv_bytes, csv_stream_bytes, excel_bytes

MISSING = "–"  # what an undefined number shows, in tables as in the KPI cards
STYLED_ROWS_MAX = 1000  # a Polres (about 150 officers, 220 villages) stays well inside
PRINTF_NUMBER = re.compile(r"^%(?:\.(\d+))?([df])(%%)?$")


def record_download(file_name: str) -> None:
    """Note in the audit log who downloaded what, for which scope (downloads may hold personal data)."""
    scope = st.session_state.get("scope")
    where = f" [{scope.unit_code or 'nasional'} {scope.start}..{scope.end}]" if scope else ""
    audit(st.session_state.get("user"), "download", file_name + where)


def download_button(frame: pd.DataFrame, file_name: str, key: str) -> None:
    """Offer the rows as CSV (UTF-8 with BOM, so Excel shows Indonesian names correctly), no cell a formula."""
    st.download_button(t("table.download"), csv_bytes(frame), file_name=file_name,
                       mime="text/csv", key=f"download_{key}", icon=":material/download:",
                       on_click=record_download, args=(file_name,))


def excel_button(frame: pd.DataFrame, file_name: str, key: str, sheet: str = "Data") -> None:
    """Offer the rows as an Excel workbook (one sheet), no cell a formula."""
    st.download_button(t("table.download_excel"), excel_bytes(frame, sheet), file_name=file_name, key=f"download_{key}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table_view:", on_click=record_download, args=(file_name,))


MAX_SHOWN_ROWS = 5000


def page_offset(total: int, key: str) -> int:
    """A page picker under a list longer than one page; the offset of the page's first row."""
    pages = max(1, -(-total // PAGE_ROWS))
    if pages == 1:
        return 0
    page = st.number_input(t("table.page", pages=fmt_int(pages)), min_value=1, max_value=pages, value=1, step=1,
                           key=f"page_{key}")
    first = (int(page) - 1) * PAGE_ROWS
    st.caption(t("table.rows_shown", first=fmt_int(first + 1), last=fmt_int(min(first + PAGE_ROWS, total)),
                 total=fmt_int(total)))
    return first


def streamed_download(chunks: Callable[[], Iterable[pd.DataFrame]], file_name: str, key: str) -> None:
    """Offer every row of a long list as CSV, read from the database in chunks only when the button is clicked.

    Streamlit runs `chunks` on its own thread without the session, so every text it needs (headers, labels)
    is fixed by the caller beforehand.
    """
    st.download_button(t("table.download_all"), lambda: csv_stream_bytes(chunks()), file_name=file_name,
                       mime="text/csv", key=f"download_{key}", icon=":material/download:",
                       on_click=record_download, args=(file_name,))


def table_with_download(frame: pd.DataFrame, headers: dict[str, str], file_name: str, key: str,
                        column_config: dict | None = None, show: bool = True) -> None:
    """Show the table with human headers (unless already drawn another way) and offer the same rows as CSV."""
    shown = frame[list(headers)].rename(columns=headers)
    if show:
        config = {headers[column]: value for column, value in (column_config or {}).items()}
        # A national table of 80,000 villages would send megabytes to the browser; the download has them all.
        show_table(shown.head(MAX_SHOWN_ROWS), column_config=config)
        if len(shown) > MAX_SHOWN_ROWS:
            st.caption(t("table.capped", shown=fmt_int(MAX_SHOWN_ROWS), rows=fmt_int(len(shown))))
    download_button(shown, file_name, key)


def percent_column(label: str, help: str | None = None):
    """A column of percentages (values already multiplied by 100)."""
    return st.column_config.NumberColumn(label, format="%.1f%%", help=help)


def show_table(data: pd.DataFrame | Styler, column_config: dict | None = None, formats: dict | None = None,
               **options):
    """st.dataframe with Indonesian (or English) numbers and dates, "–" for missing values, no index.

    The grid formats numbers with the browser's sprintf, always "80.0%"; so the text shown is made here
    (1.234,5 · 80,0% · 5 Mei 2021) as the Styler's display values, while the cells stay numbers for sorting.
    `formats` gives a column's display function outright (a marker beside a coloured value, say).
    """
    if isinstance(data, pd.DataFrame) and len(data) > STYLED_ROWS_MAX:
        # A Styler is slow to send (measured, 11 columns: 25 ms for 147 rows, 143 ms for 2,000, 380 ms for
        # 5,000; plain Arrow 1-3 ms): past this size the grid's own formats are kept, so a Polda-wide list
        # stays quick.
        return st.dataframe(data, hide_index=True, width="stretch", column_config=column_config,
                            placeholder=MISSING, **options)
    frame = data.data if isinstance(data, Styler) else data
    styler = data if isinstance(data, Styler) else data.style
    config = dict(column_config or {})
    display = {}
    for column in frame.columns:
        spec = config.get(column)
        printf = (spec.get("type_config") or {}).get("format") if isinstance(spec, dict) else None
        if printf and PRINTF_NUMBER.match(printf):
            config[column] = {**spec, "type_config": {**spec["type_config"], "format": None}}
        display[column] = (formats or {}).get(column) or display_format(frame[column], printf)
        if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            # The grid sizes a column to its cells, so a short number under a long header cut the header
            # ("DDS attainmer"); numbers are short, so their column is made as wide as the header.
            spec = config.get(column) or {}
            label = spec.get("label") or str(column)
            config[column] = {**spec, "width": spec.get("width") or header_width(label)}
    styler = styler.format({column: rule for column, rule in display.items() if rule is not None}, na_rep=MISSING)
    return st.dataframe(styler, hide_index=True, width="stretch", column_config=config or None,
                        placeholder=MISSING, **options)


def header_width(label: str) -> int:
    """Pixels a header needs in the grid's 14 px font (about 7 px a character, plus padding and the sort icon)."""
    return max(60, int(len(label) * 7) + 30)


def display_format(values: pd.Series, printf: str | None = None):
    """How one column's cells read: from its printf format if it has one, else from its values' type."""
    match = PRINTF_NUMBER.match(printf) if printf else None
    if match:
        decimals, kind, percent = match.groups()
        if kind == "d":
            return fmt_int
        return lambda value: fmt_num(value, int(decimals or 0)) + ("%" if percent else "")
    if pd.api.types.is_bool_dtype(values):
        return None  # shown as a tick box
    if pd.api.types.is_integer_dtype(values):
        return fmt_int
    if pd.api.types.is_float_dtype(values):
        known = values.dropna()
        return fmt_int if (known == known.round()).all() else (lambda value: fmt_num(value, 2))
    if pd.api.types.is_datetime64_any_dtype(values):
        return fmt_moment
    sample = values.dropna().head(1).tolist()
    if sample and isinstance(sample[0], datetime):
        return fmt_moment
    if sample and isinstance(sample[0], date):
        return fmt_date
    return None
