"""Peringatan Dini in words: methods, hot-spot classes and the backtest verdict, for the page and the briefing pack."""

from __future__ import annotations

from datetime import UTC

from components.i18n import fmt_date, fmt_int, fmt_local_moment, fmt_num, fmt_pct, t


def method_label(method: str) -> str:
    return t(f"ew.method.{method}")


def verdict_sentence(verdict: dict | None, origins: int) -> str:
    """The backtest in one plain sentence: does the model beat the best baseline, by how much."""
    if verdict is None:
        return t("ew.verdict.none")
    values = {"baseline": method_label(verdict["best_baseline"]), "origins": fmt_int(origins),
              "model": fmt_num(verdict["model_deviance"], 2), "best": fmt_num(verdict["best_deviance"], 2)}
    if verdict["beats"]:
        return t("ew.verdict.beats", improvement=fmt_pct(verdict["improvement"]), **values)
    return t("ew.verdict.loses", **values)


def shown_sentence(run: dict) -> str:
    """Which forecast the page shows, and why (the run decided it from the overall backtest)."""
    key = "ew.shown.model" if run["method_shown"] == "model" else "ew.shown.baseline"
    return t(key, method=method_label(run["method_shown"]))


def run_caption(run: dict, zone: str) -> str:
    """What the run forecasts and when it was computed (computed_at is naive UTC; shown in the scope's zone)."""
    return t("ew.run", as_of=fmt_date(run["as_of"]), days=fmt_int(run["horizon_days"]),
             computed=fmt_local_moment(run["computed_at"].replace(tzinfo=UTC), zone))


def hotspot_label(name: str) -> str:
    return t(f"ew.hotspot.{name or 'none'}")
