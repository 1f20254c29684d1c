"""Definisi (definitions): what every number means, in the reader's language."""

import streamlit as st

from components.i18n import language
from queries.db import PROJECT_DIR

document = "definisi-metrik.md" if language() == "id" else "metric-definitions.md"
st.markdown((PROJECT_DIR / "docs" / document).read_text(encoding="utf-8"))
