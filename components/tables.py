"""Tables as users expect them: translated headers, and a CSV download of exactly what is shown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.i18n import t


def table_with_download(frame: pd.DataFrame, headers: dict[str, str], file_name: str, key: str) -> None:
    """Show the table with human headers and offer the same rows as CSV (UTF-8 with BOM for Excel)."""
    shown = frame.rename(columns=headers)
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(t("table.download"), shown.to_csv(index=False).encode("utf-8-sig"),
                       file_name=file_name, mime="text/csv", key=f"download_{key}",
                       icon=":material/download:")
