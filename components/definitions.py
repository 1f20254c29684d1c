"""The definitions page's text: the documents in docs/, with the values of the policy in force filled in."""

from __future__ import annotations

import re

from components.i18n import fmt_amount, fmt_pct, language, quoted_values, t
from ingest.contract import PERSONS_PER_HOUSEHOLD
from ingest.validate import MIN_NARRATIVE_CHARS
from queries.db import PROJECT_DIR
from queries.flags import TIME_INCONSISTENT_SECONDS, TRAVEL_ZERO_TIME_KM
from queries.metrics import METRICS, lights
from queries.policy import SILENT_AMBER_DAYS, SILENT_DAYS

DOCUMENTS = {"id": "definisi-metrik.md", "en": "metric-definitions.md"}
TECHNICAL = "<!-- technical -->"  # the documents' part after this line is for admins only
COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)


def light_rows() -> list[list[str]]:
    """Per traffic light of the compliance list: its name and when it is green, amber or red."""
    rows = []
    for measure, (amber, green) in lights().items():
        rows.append([t(METRICS[measure].label_key), t("definitions.light.from", value=fmt_pct(green, 0)),
                     t("definitions.light.between", low=fmt_pct(amber, 0), high=fmt_pct(green, 0)),
                     t("definitions.light.below", value=fmt_pct(amber, 0))])
    rows.append([t("compliance.col.days_since_report"), t("definitions.light.days_green", days=SILENT_AMBER_DAYS),
                 t("definitions.light.days_amber", low=SILENT_AMBER_DAYS, high=SILENT_DAYS - 1),
                 t("definitions.light.days_red", days=SILENT_DAYS)])
    return rows


def lights_table() -> str:
    """The traffic lights as a markdown table in the current language."""
    header = [t(f"definitions.light.{key}") for key in ("measure", "green", "amber", "red")]
    lines = [header, ["---"] * len(header), *light_rows()]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def document_values() -> dict[str, str]:
    """Everything the documents quote: the policy in force, the fixed thresholds and the flags' fixed limits."""
    return quoted_values() | {
        "time_inconsistent_minutes": fmt_amount(TIME_INCONSISTENT_SECONDS / 60),
        "travel_zero_time_km": fmt_amount(TRAVEL_ZERO_TIME_KM),
        "min_narrative_chars": fmt_amount(MIN_NARRATIVE_CHARS),
        "persons_per_household": fmt_amount(PERSONS_PER_HOUSEHOLD),
        "traffic_lights": lights_table(),
    }


def definitions() -> tuple[str, str]:
    """The definitions for everyone and the part for technical staff, in the current language."""
    text = (PROJECT_DIR / "docs" / DOCUMENTS[language()]).read_text(encoding="utf-8")
    everyone, _, technical = text.partition(TECHNICAL)
    values = document_values()
    return COMMENT.sub("", everyone).format(**values), technical.format(**values)
