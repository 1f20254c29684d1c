"""The metric registry (queries/metrics.py): formulas read once; every metric shown in every view listing them."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from metric_world import END, O5, START
from test_briefing import open_app
from test_evaluators import WINDOW, open_page
from test_officers import plotly_array, plotly_spec

from components.i18n import TEXTS
from queries.briefing import KPIS, RANKED_KPIS
from queries.comparison import MEASURES
from queries.db import PROJECT_DIR, make_engine
from queries.effectiveness import scope_measures
from queries.metrics import METRICS, Metric, rankable, value, with_metrics
from queries.scope import Scope
from queries.timeseries import timeseries


def test_every_metric_reads_its_formula_and_has_both_texts():
    for metric in METRICS.values():
        assert metric.numerator and metric.denominator and metric.scale in (1, 1000, 10_000), metric.name
        for key in (metric.label_key, metric.definition_key):
            indonesian, english = TEXTS[key]
            assert indonesian and english, key
    with pytest.raises(ValueError, match="cannot read 'a \\+ b'"):  # a formula the registry cannot read fails at once
        Metric("broken", "a + b", "rate")
    # The comparison names the count each measure is judged on.
    assert all(f"cmp.denominator.{METRICS[name].case_column}" in TEXTS for name in MEASURES)


def test_a_metric_is_the_ratio_of_the_rows_own_sums():
    counts = pd.DataFrame({"reported_days": [3, 0, 5], "expected_days": [4, 0, 50], "flagged_reports": [1, 0, 0],
                           "reports": [4, 0, 2], "crimes": [2, 0, 9], "population": [4000, 0, 1000]})
    assert value(counts, "reporting_rate").tolist()[0::2] == [0.75, 0.1]
    assert math.isnan(value(counts, "reporting_rate")[1])  # no expected day: not defined, not 0
    assert value(counts, "quality_rate").tolist()[0::2] == [0.75, 1.0]
    assert value(counts, "crime_rate_per_10k")[0] == pytest.approx(5.0)  # 2 / 4,000 × 10,000
    # Only the metrics the counts allow are added: no coverage without households.
    assert "coverage" not in with_metrics(counts, METRICS) and "reporting_rate" in with_metrics(counts, METRICS)
    # "sedikit data": 4 expected days are too few to rank a reporting rate on, 50 are enough; crimes count crimes.
    frame = with_metrics(counts, METRICS)
    assert rankable(frame, "reporting_rate").tolist() == [False, False, True]
    assert rankable(frame, "crime_rate_per_10k").tolist() == [False, False, False]


def test_weekly_series_carries_every_compared_measure(world_url):
    """The drift of issue 16: adoption_rate was compared but had no weekly series, so its trend chart was empty."""
    engine = make_engine(world_url)
    scope = Scope(None, START, END)
    with engine.connect() as conn:
        series = timeseries(conn, scope, "week")
        weeks = [scope_measures(conn, dataclasses.replace(scope, start=period, end=min(period + pd.Timedelta(days=6),
                                                                                        END)))
                 for period in series["period"]]
    for measure in set(MEASURES) & set(series.columns):
        # Each week's value is the week's own sums, as the whole-window code computes it for that week alone.
        assert series[measure].tolist() == pytest.approx([week[measure] for week in weeks], nan_ok=True), measure
    # O5 is due to report every week and never does: adoption is below 1 in both weeks, and defined.
    assert series["adoption_rate"].notna().all() and (series["adoption_rate"] < 1).all()
    assert O5


def test_kpis_and_rankings_take_kind_and_direction_from_the_registry():
    for kpi in KPIS + RANKED_KPIS:
        if kpi.column in METRICS:
            assert (kpi.kind, kpi.higher_is_better) == (METRICS[kpi.column].kind, METRICS[kpi.column].higher_is_better)


def test_comparison_page_draws_every_measure(sample_sqlite_url, monkeypatch):
    """Every measure on offer: in the side-by-side table, ranked, and with a trend line of numbers for each unit."""
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/perbandingan.py", "PR-35.21", window=WINDOW)
    at.selectbox(key="cmp_level").select("polsek").run()
    pair = ["PS-35.21.07", "PS-35.21.18"]
    at.multiselect(key="cmp_units_PR-35.21_polsek").set_value(pair).run()
    table = at.dataframe[0].value
    labels = set(table.iloc[:, 0])
    assert {TEXTS[METRICS[m].label_key][0] for m in MEASURES} <= labels
    for measure in MEASURES:
        at.selectbox(key="cmp_measure").select(measure).run()
        assert not at.exception, (measure, [e.value for e in at.exception])
        assert TEXTS[METRICS[measure].label_key][0] in at.dataframe[1].value.columns
        lines = [trace for trace in plotly_spec(at, "multiples")["data"] if trace.get("meta") != "partial"]
        assert len(lines) == len(pair)
        for line in lines:
            y = plotly_array(line["y"]).astype("float64")
            assert np.isfinite(y).any(), measure  # a line of numbers, not an empty chart


def test_the_developer_reference_lists_the_registry_as_it_is():
    text = (PROJECT_DIR / "docs" / "metrics-reference.md").read_text(encoding="utf-8")
    listed = {line.split("|")[1].strip(" `"): line.split("|")[2].strip(" `")
              for line in text.splitlines() if line.startswith("| `")}
    assert listed == {name: metric.expression for name, metric in METRICS.items()}


def test_overview_cards_rankings_and_briefing_show_each_metric_they_list(sample_sqlite_url, monkeypatch):
    """KPI cards, the subordinate ranking and the briefing pack: each metric they list, with its label and a value."""
    from components.briefing import briefing_html
    from components.rankings import UNIT_COLUMNS

    at = open_app(sample_sqlite_url, monkeypatch)
    cards = {metric.label: metric.value for metric in at.metric}
    assert len(cards) == len(KPIS) and all(value not in ("", "–") for value in cards.values())
    listed = [column for column in UNIT_COLUMNS if column in METRICS]
    assert {"reporting_rate", "coverage", "crime_rate_per_10k", "adoption_rate"} <= set(listed)
    table = at.dataframe(key="ranking_PR-35.21").value
    for metric in listed:
        assert table[metric].notna().any(), metric
    pack = briefing_html(Scope("PR-35.21", *WINDOW))
    for metric in listed:
        assert TEXTS[METRICS[metric].label_key][0] in pack, metric
    for kpi in RANKED_KPIS:
        assert TEXTS[f"kpi.{kpi.key}"][0].split("{")[0] in pack, kpi.key
