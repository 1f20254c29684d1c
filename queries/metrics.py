"""The metric registry: every rate of the dashboard defined once, as a ratio of additive counts.

Like dbt MetricFlow's ratio metrics or Superset's SqlMetric, a metric names its numerator and
denominator measures; a frame of counts summed at any grain (an officer, a unit, a week, a whole
scope) gets the metric as the ratio of its own sums, never an average of finer ratios. The
per-officer, per-unit, time-series, KPI, ranking, comparison, briefing and export code read the
formula and the metadata (scale, direction, the smallest denominator worth ranking on, traffic
lights, label and definition keys) from here. What each number means for users:
docs/metric-definitions.md; for developers: docs/metrics-reference.md (this registry, as a table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from queries.policy import LIGHT_RED_BELOW

EXPRESSION = re.compile(r"^(?P<complement>1 - )?(?P<numerator>\w+) / (?P<denominator>\w+)(?: \* (?P<scale>[\d_]+))?$")


@dataclass(frozen=True)
class Metric:
    """One metric: `expression` is "numerator / denominator", optionally "1 - …" and "… * scale"."""

    name: str
    expression: str
    kind: str  # how it is shown: "rate" (a fraction, shown as %) or "per10k" (a number with two decimals)
    higher_is_better: bool = True
    min_cases: int = 1  # fewer cases than this: "sedikit data", not ranked
    cases: str | None = None  # the count that min_cases applies to (default: the denominator)
    lights: tuple[float, float] | None = None  # traffic light of the compliance list: (amber from, green from)

    def __post_init__(self) -> None:
        _ = self.parts  # an expression that cannot be read fails when the registry is loaded, not on a page

    @property
    def parts(self) -> re.Match:
        match = EXPRESSION.match(self.expression)
        if match is None:
            raise ValueError(f"metric {self.name}: cannot read {self.expression!r}")
        return match

    @property
    def numerator(self) -> str:
        return self.parts["numerator"]

    @property
    def denominator(self) -> str:
        return self.parts["denominator"]

    @property
    def scale(self) -> int:
        return int(self.parts["scale"] or 1)

    @property
    def complement(self) -> bool:
        return self.parts["complement"] is not None

    @property
    def case_column(self) -> str:
        return self.cases or self.denominator

    @property
    def label_key(self) -> str:
        return f"rank.col.{self.name}"

    @property
    def definition_key(self) -> str:
        return f"metric.def.{self.name}"


METRICS = {metric.name: metric for metric in (
    Metric("reporting_rate", "reported_days / expected_days", "rate", min_cases=50, lights=(LIGHT_RED_BELOW, 0.9)),
    Metric("reporting_rate_on_time", "on_time_days / expected_days", "rate", min_cases=50,
           lights=(LIGHT_RED_BELOW, 0.9)),
    Metric("dds_attainment", "officer_dds_visits / dds_target", "rate", min_cases=50,
           lights=(LIGHT_RED_BELOW, 1.0)),
    Metric("coverage", "capped_visited / households", "rate"),
    Metric("dds_per_1k_households", "dds_visits / households * 1000", "per10k"),
    Metric("quality_rate", "1 - flagged_reports / reports", "rate", min_cases=50, lights=(LIGHT_RED_BELOW, 0.9)),
    Metric("response_sla_rate", "within_sla / complaints", "rate", min_cases=10),
    Metric("complaints_per_10k", "complaints / population * 10_000", "per10k", higher_is_better=False),
    # A rate of crimes is judged on the crimes behind it: ten are the fewest that say anything.
    Metric("crime_rate_per_10k", "crimes / population * 10_000", "per10k", higher_is_better=False, min_cases=10,
           cases="crimes"),
    Metric("adoption_rate", "adopted / counted", "rate", min_cases=5),
    Metric("dds_target_share", "at_target / counted", "rate", min_cases=5),
)}
# The measures of the officer-day grain (queries/compliance.officer_days): measure -> the day column it sums.
DAY_MEASURES = {"expected_days": "expected", "reported_days": "reported", "on_time_days": "on_time",
                "reports": "reports", "late_reports": "late_reports", "dds_visits": "dds_visits",
                "flagged_reports": "flagged_reports"}
# The officer grain names the officer's own DDS visits plainly; units keep both kinds of DDS visits apart.
OFFICER_MEASURES = {"officer_dds_visits": "dds_visits"}


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator as floats, NaN (not defined) where the denominator is 0 or missing."""
    numerator = numerator.astype("float64")
    denominator = denominator.astype("float64")
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def sums(measures: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Named aggregations for DataFrame.groupby(...).agg: each measure the sum of its column."""
    return {measure: (column, "sum") for measure, column in measures.items()}


def value(frame: pd.DataFrame, name: str, measures: Mapping[str, str] | None = None) -> pd.Series:
    """The metric for every row of a frame of summed counts; `measures` maps a measure to the frame's column."""
    metric = METRICS[name]
    column = (measures or {}).get
    share = ratio(frame[column(metric.numerator, metric.numerator)],
                  frame[column(metric.denominator, metric.denominator)])
    return (1 - share if metric.complement else share) * metric.scale


def with_metrics(frame: pd.DataFrame, names, measures: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The frame with a column for each named metric its counts allow (the others are left out)."""
    frame = frame.copy()
    for name in names:
        metric = METRICS[name]
        needed = {(measures or {}).get(c, c) for c in (metric.numerator, metric.denominator)}
        if needed <= set(frame.columns):
            frame[name] = value(frame, name, measures)
    return frame


def rankable(frame: pd.DataFrame, name: str) -> pd.Series:
    """Whether each row has enough cases behind the metric to be ranked on it (else "sedikit data")."""
    metric = METRICS[name]
    return frame[name].notna() & (frame[metric.case_column].astype("float64").fillna(0) >= metric.min_cases)


def lights() -> dict[str, tuple[float, float]]:
    """The compliance list's traffic lights: metric -> (amber from, green from)."""
    return {name: metric.lights for name, metric in METRICS.items() if metric.lights}
