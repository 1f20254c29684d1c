"""What a briefing needs: the scope's KPIs against the previous window, and its subordinates ranked.

Every KPI of a scope is computed from the additive counts of the units that partition it (its
children, or the Polsek itself), so the same counts serve the KPI cards, the ranking and the
flag-spike alert.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries.effectiveness import COUNT_COLUMNS, with_rates
from queries.metrics import METRICS


@dataclass(frozen=True)
class Kpi:
    """A headline number: where it comes from and which direction is good."""

    key: str
    column: str
    kind: str  # "rate" (fraction), "count" or "per10k"
    higher_is_better: bool




def metric_kpi(key: str, name: str) -> Kpi:
    """A KPI that shows a metric of the registry, with its kind and direction."""
    return Kpi(key, name, METRICS[name].kind, METRICS[name].higher_is_better)


KPIS = (
    metric_kpi("reporting_rate", "reporting_rate"),
    metric_kpi("on_time_rate", "reporting_rate_on_time"),
    metric_kpi("coverage", "coverage"),
    metric_kpi("dds_attainment", "dds_attainment"),
    metric_kpi("sla_rate", "response_sla_rate"),
    Kpi("open_backlog", "open_backlog", "count", False),
    Kpi("crimes", "crimes", "count", False),
    metric_kpi("adoption_rate", "adoption_rate"),
)
# Units of different sizes are compared on crime per 10,000 residents, not on raw counts.
RANKED_KPIS = tuple(metric_kpi("crime_rate", "crime_rate_per_10k") if kpi.key == "crimes" else kpi for kpi in KPIS)


def totals(counts: pd.DataFrame) -> pd.Series:
    """Counts summed over units, with every rate recomputed from the sums."""
    summed = counts[COUNT_COLUMNS].sum(min_count=1).to_frame().T
    return with_rates(summed).iloc[0]


def kpi_comparison(now: pd.Series, previous: pd.Series) -> pd.DataFrame:
    """Each KPI now and in the window before, with the change (a Poisson z for crimes)."""
    rows = []
    for kpi in KPIS:
        change = now["crime_change_z"] if kpi.key == "crimes" else now[kpi.column] - previous[kpi.column]
        rows.append({"kpi": kpi.key, "kind": kpi.kind, "higher_is_better": kpi.higher_is_better,
                     "current": now[kpi.column], "previous": previous[kpi.column], "change": change})
    frame = pd.DataFrame(rows)
    for column in ("current", "previous", "change"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def rank(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Units (or officers) best reporting rate first; those without expected days last."""
    return frame.assign(level=level).sort_values(["reporting_rate", "name"], ascending=[False, True],
                                                 na_position="last", ignore_index=True)


def best_and_worst(rankings: pd.DataFrame) -> pd.DataFrame:
    """For each ranked measure the units have, the best and the worst unit with their values."""
    rows = []
    for kpi in RANKED_KPIS:
        if kpi.column not in rankings:
            continue
        values = rankings[["unit_code", "name", kpi.column]].dropna()
        if values.empty:
            continue
        ordered = values.sort_values(kpi.column, ascending=not kpi.higher_is_better, kind="stable")
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        rows.append({"kpi": kpi.key, "kind": kpi.kind, "best": best["name"], "best_code": best["unit_code"],
                     "best_value": float(best[kpi.column]), "worst": worst["name"], "worst_code": worst["unit_code"],
                     "worst_value": float(worst[kpi.column]), "units": len(values)})
    return pd.DataFrame(rows, columns=["kpi", "kind", "best", "best_code", "best_value", "worst", "worst_code",
                                       "worst_value", "units"])
