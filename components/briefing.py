"""The briefing pack: one self-contained HTML file (KPIs, alerts, rankings, coverage map) that prints on A4.

Outside a browser session (the command line, the scheduler) it is rendered in a named language, and as PDF
through WeasyPrint with the DejaVu fonts shipped in assets/fonts, so the pack reads the same on any machine.
"""

from __future__ import annotations

import numbers
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from components import data
from components.alerts import displayable
from components.early_warning_text import hotspot_label, run_caption, shown_sentence, verdict_sentence
from components.filters import unit_name
from components.follow_up_view import review_rows
from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_num, in_language, language, t, t_count, t_plural
from components.kpis import kpi_change, kpi_value
from components.maps import coverage_svg, legend_entries
from components.rankings import OFFICER_COLUMNS, UNIT_COLUMNS
from queries.briefing import best_and_worst
from queries.early_warning import OVERALL
from queries.follow_up import REVIEW_DAYS
from queries.metrics import METRICS
from queries.scope import Scope

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=True, trim_blocks=True, lstrip_blocks=True)
ALERT_ROWS = 15  # rows per alert in print; the page and the CSV downloads have them all
FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
# The PDF's fonts, embedded: whatever the reader's machine has, the pack looks as it was printed.
PDF_FONT_CSS = f"""
@font-face {{ font-family: "DejaVu Sans"; src: url("{(FONTS / 'DejaVuSans.ttf').as_uri()}"); font-weight: normal; }}
@font-face {{ font-family: "DejaVu Sans"; src: url("{(FONTS / 'DejaVuSans-Bold.ttf').as_uri()}"); font-weight: bold; }}
* {{ font-family: "DejaVu Sans" !important; }}
"""
RISK_ROWS = 10  # the villages most at risk printed; the Peringatan Dini page lists them all


def briefing_html(scope: Scope, now: datetime | None = None, lang: str | None = None) -> str:
    """Render the pack for the scope and window, in `lang` (default: the session's language)."""
    if lang is not None:
        with in_language(lang):
            return briefing_html(scope, now)
    now = now or datetime.now(UTC)
    comparison = data.kpi_comparison(scope)
    rankings = data.child_rankings(scope)
    villages = data.village_map(scope)
    bounds = data.scope_bounds(scope)
    previous = scope.previous()
    context = {
        "lang": language(),
        "title": t("briefing.title"),
        "scope": unit_name(scope.unit_code),
        "window": t_plural("briefing.window", scope.days, start=fmt_date(scope.start), end=fmt_date(scope.end),
                           days=fmt_int(scope.days)),
        "page_counter": Markup(page_counter_css()),
        "compared": t("overview.compared", start=fmt_date(previous.start), end=fmt_date(previous.end)),
        "generated": t("briefing.generated", when=fmt_local_moment(now, data.unit_timezone(scope.unit_code))),
        "headings": {key: t(f"briefing.{key}") for key in ("kpis", "alerts", "rankings", "map")},
        "follow_up": _follow_up(data.follow_up_review(scope, now.astimezone(UTC).replace(tzinfo=None))),
        "cards": [_card(row) for row in comparison.to_dict("records")],
        "alerts": [_alert(kind, frame) for kind, frame in data.alerts(scope).items()],
        "none_text": t("alert.none"),
        "best_worst": _best_worst(rankings),
        "ranking": _ranking(rankings),
        "legend": legend_entries(villages, scope.policy.blind_spot_days),
        "map_svg": coverage_svg(villages, bounds) if bounds else "",
        "early_warning": _early_warning(scope),
        "footer": t("briefing.footer"),
    }
    return TEMPLATES.get_template("briefing.html").render(**context)


def briefing_summary(scope: Scope, lang: str | None = None) -> str:
    """A few plain lines to paste into a chat group: the scope, its window, each KPI and the alerts' counts."""
    if lang is not None:
        with in_language(lang):
            return briefing_summary(scope)
    lines = [f"{t('briefing.title')} · {unit_name(scope.unit_code)}",
             t_plural("briefing.window", scope.days, start=fmt_date(scope.start), end=fmt_date(scope.end),
                      days=fmt_int(scope.days)), ""]
    for row in data.kpi_comparison(scope).to_dict("records"):
        label, change = t(f"kpi.{row['kpi']}"), kpi_change(row["kind"], row["kpi"], row["change"])
        lines.append(f"- {label}: {kpi_value(row['kind'], row['current'])}" + (f" ({change})" if change else ""))
    alerts = data.alerts(scope)
    lines += ["", t("delivery.alerts_total", count=fmt_int(sum(len(frame) for frame in alerts.values())))]
    lines += [f"- {t_count(f'alert.{kind}', len(frame))}" for kind, frame in alerts.items() if len(frame)]
    return "\n".join(lines)


def briefing_pdf(html: str) -> bytes:
    """The pack as an A4 PDF: page numbers from its @page rule, DejaVu Sans embedded (subset)."""
    from weasyprint import CSS, HTML  # imported on demand: the pages never need Pango
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(FONTS)).write_pdf(
        stylesheets=[CSS(string=PDF_FONT_CSS, font_config=fonts)], font_config=fonts)


def page_counter_css() -> str:
    """The CSS content of the page number in the bottom margin: "Halaman " counter(page) " dari " counter(pages)."""
    text = '"' + t("briefing.page") + '"'
    return text.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "').replace(' ""', '')


def _follow_up(review: pd.DataFrame) -> dict:
    """The pack opens with last week's follow-up: what was promised, whether it was done, whether the number moved."""
    return {"heading": t("briefing.follow_up"), "help": t("fu.review.help", days=fmt_int(REVIEW_DAYS)),
            "headers": [t(f"fu.review.col.{c}") for c in ("item", "promise", "outcome", "number")],
            "rows": review_rows(review), "none": t("fu.review.none", days=fmt_int(REVIEW_DAYS))}


def _early_warning(scope: Scope) -> dict | None:
    """The latest forecast run in a few lines: the backtest verdict, the villages most at risk, hot spots to watch.

    None (no section at all) before any run, or when the run has no village of the scope.
    """
    summary = data.early_warning_summary(scope)
    if summary is None or summary["risk"].empty:
        return None
    run, risk = summary["run"], summary["risk"]
    overall = summary["backtest"][OVERALL]["verdict"]
    hot = risk[risk["hotspot_class"].isin(("new", "intensifying"))]
    return {
        "heading": t("ew.briefing.heading"),
        "run": run_caption(run, data.unit_timezone(scope.unit_code)),
        "verdict": verdict_sentence(overall, run["origins"]) + " " + shown_sentence(run),
        "top_title": t("ew.briefing.top"),
        "headers": [t(f"ew.col.{c}") for c in ("risk_rank", "name", "polsek", "expected_crimes", "hotspot")],
        "top": [[fmt_int(row.risk_rank), row.name, row.polsek,
                 f"{fmt_num(row.expected_crimes, 1)} ({fmt_num(row.lower, 1)}–{fmt_num(row.upper, 1)})",
                 hotspot_label(row.hotspot_class)] for row in risk.head(RISK_ROWS).itertuples(index=False)],
        "hot_title": t("ew.briefing.hot"),
        "hot": [f"{row.name} ({row.polsek}): {hotspot_label(row.hotspot_class)}"
                for row in hot.itertuples(index=False)],
        "no_hot": t("ew.briefing.no_hot"),
    }


def _card(row: dict) -> dict:
    change = kpi_change(row["kind"], row["kpi"], row["change"])
    good = (row["change"] > 0) == row["higher_is_better"] if pd.notna(row["change"]) and row["change"] else None
    return {"label": t(f"kpi.{row['kpi']}"), "value": kpi_value(row["kind"], row["current"]),
            "change": (change + " · " if change else "") + t("briefing.previous",
                                                            value=kpi_value(row["kind"], row["previous"])),
            "tone": "flat" if good is None else ("good" if good else "bad")}


def _alert(kind: str, frame: pd.DataFrame) -> dict:
    shown = displayable(kind, frame) if len(frame) else frame
    # A column of fractions (a complaint's age in days) keeps one decimal on every row: 6,0 under 6,6, not 6.
    fractional = [pd.api.types.is_float_dtype(shown[c]) and not (shown[c].dropna() % 1 == 0).all()
                  for c in shown.columns]
    rows = [[fmt_num(value, 1) if decimal and pd.notna(value) else _cell(value)
             for value, decimal in zip(row, fractional, strict=True)]
            for row in shown.head(ALERT_ROWS).itertuples(index=False)]
    more = len(frame) - ALERT_ROWS
    return {"title": t_count(f"alert.{kind}", len(frame)),
            "headers": [t(f"alert.col.{c}") for c in shown.columns] if len(frame) else [],
            "rows": rows, "more": t("briefing.more", count=fmt_int(more)) if more > 0 else None}


def _best_worst(rankings: pd.DataFrame) -> dict | None:
    summary = best_and_worst(rankings)
    if summary.empty:
        return None
    rows = [[t(f"kpi.{r.kpi}"), f"{r.best} ({kpi_value(r.kind, r.best_value)})",
             f"{r.worst} ({kpi_value(r.kind, r.worst_value)})" if r.worst_value != r.best_value
             else t("rank.all_equal")] for r in summary.itertuples(index=False)]
    return {"headers": [t("rank.kpi"), t("rank.best"), t("rank.worst")], "rows": rows}


def _ranking(rankings: pd.DataFrame) -> dict | None:
    if rankings.empty:
        return None
    officers = rankings["level"].iloc[0] == "officer"
    # The page shows every column; on A4 the denominators give way to the measures.
    columns = [c for c in (OFFICER_COLUMNS if officers else UNIT_COLUMNS) if c not in ("officers", "villages")]
    rows = []
    for record in rankings[columns].to_dict("records"):
        rows.append([record["name"]] + [str(record[c]) if c == "nrp"  # an identifier, not a count: no 92.041.273
                                        else kpi_value(column_kind(c), record[c]) for c in columns[1:]])
    return {"headers": [t("rank.col.officer" if officers else "rank.col.name")]
            + [t(f"rank.col.{c}") for c in columns[1:]], "rows": rows}


def column_kind(column: str) -> str:
    """How a ranking column is printed: a metric as the registry says, the crime z with decimals, else a count."""
    if column in METRICS:
        return METRICS[column].kind
    return "per10k" if column == "crime_change_z" else "count"


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, numbers.Integral):  # numpy's integers too: a household count reads 1.014, not 1014
        return fmt_int(value)
    if isinstance(value, numbers.Real):
        return kpi_value("per10k", value) if not float(value).is_integer() else fmt_int(value)
    return str(value)
