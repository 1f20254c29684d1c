"""Data values (names typed by whoever made the export) shown as text, never as markup.

Streamlit renders markdown in titles, captions and messages, and plotly renders a little HTML
in chart labels; a village called "[x](...)" or "<b>x</b>" must appear exactly as written.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text) -> str:
    """Text for a markdown element: every markdown (and Streamlit directive) character escaped."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def label(text) -> str:
    """Text for a chart label or hover: HTML special characters escaped."""
    return html.escape(str(text), quote=False)
