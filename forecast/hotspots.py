"""Emerging hot spots: Getis-Ord Gi* of village crime rates per month, a Mann-Kendall trend, a class per village.

The method follows ArcGIS's "Emerging Hot Spot Analysis", the one crime analysts know:
1. rate = crimes per 10,000 residents per village and calendar month, over the last MONTHS complete
   months with local date ≤ as_of (a month is complete when its last day is ≤ as_of). Months before
   the first stored crime are left out: nothing was exported then, which is not the same as no crime.
   A partly exported first month is kept, since Gi* only compares villages within one month.
2. Gi* (esda's G_Local, star=True, binary weights: the village itself and its neighbours from
   forecast.neighbours) per month, with the analytical z under normality, as ArcGIS reports it:
   deterministic and cheap, where permutations would need a seed and 99+ times the work. A month
   in which every village has the same rate (e.g. no crime at all) has no clustering: z = 0.
3. Multiple testing: the two-sided p-values of each month are corrected across the villages with
   the False Discovery Rate (Benjamini-Hochberg, scipy.stats.false_discovery_control); hot = corrected
   p < ALPHA and z > 0 (cold spots, z < 0, are no class of their own here).
4. Trend: the Mann-Kendall test (Kendall's tau of each village's monthly Gi* z against time,
   scipy.stats.kendalltau, normal approximation) gives trend_z and trend_p.
5. classify() turns the hot months and the trend into the class.

The study area is the scope's unit, or each Polda on its own for the whole country: crime levels
differ between provinces, and a Kapolda needs villages hot against their own region, not against the
country. Inside it count the villages with a population (a rate needs one) and a location (a polygon
or lat/lng); the others get no class ("") and months = 0. Neighbours outside the study area are not
counted: Gi* compares each village with the mean of its study area.
"""

from __future__ import annotations

import math
import warnings
from datetime import date

import numpy as np
import pandas as pd
from esda.getisord import G_Local
from libpysal.weights import W, fill_diagonal
from scipy import stats
from sqlalchemy import Connection, String, cast, func, select

from forecast.neighbours import village_weights
from queries.db import frame_of
from queries.policy import HOTSPOT_ALPHA, HOTSPOT_MONTHS, HOTSPOT_MOST_MONTHS
from queries.schema import crimes, units, villages
from queries.scope import Scope, villages_in, within

MONTHS, MOST_MONTHS, ALPHA = HOTSPOT_MONTHS, HOTSPOT_MOST_MONTHS, HOTSPOT_ALPHA  # the texts quote them too
RATE_PER = 10_000
MIN_STUDY_VILLAGES = 3  # Gi* needs villages beyond one and its neighbours to compare with

HOTSPOT_COLUMNS = ["village_code", "unit_code", "hotspot_class", "gi_z", "trend_z", "trend_p", "hot_months",
                   "months"]
CLASSES = ("new", "intensifying", "persistent", "diminishing", "sporadic")


def emerging_hotspots(conn: Connection, as_of: date, unit_code: str | None = None) -> pd.DataFrame:
    """One row per village of the scope: its class, last month's Gi* z, the trend, hot months of months."""
    if unit_code is not None:
        return study_area_hotspots(conn, as_of, unit_code)
    poldas = conn.execute(select(units.c.code).where(units.c.level == "polda").order_by(units.c.code)).scalars()
    parts = [study_area_hotspots(conn, as_of, code) for code in poldas]
    return pd.concat(parts, ignore_index=True) if parts else filled(pd.DataFrame())


def study_area_hotspots(conn: Connection, as_of: date, unit_code: str) -> pd.DataFrame:
    """emerging_hotspots over one study area: the villages under `unit_code`."""
    scope = Scope(unit_code, as_of, as_of)
    places = study_villages(conn, scope)
    months = analysis_months(as_of, first_crime_date(conn, scope, as_of))
    weights = village_weights(places[places["population"] > 0])
    if len(months) == 0 or weights.n < MIN_STUDY_VILLAGES:
        return unclassified(places)
    codes = weights.id_order
    population = places.set_index("village_code").loc[codes, "population"].to_numpy(dtype="float64")
    counts = monthly_crimes(conn, scope, months).reindex(index=codes, columns=months, fill_value=0)
    z = gi_star_z(counts.to_numpy(dtype="float64") / population[:, None] * RATE_PER, weights)
    result = classified(codes, z)
    return places[["village_code", "unit_code"]].merge(result, on="village_code", how="left").pipe(filled)


def study_villages(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The scope's villages with their Polsek, population and location."""
    v = villages.c
    rows = conn.execute(select(v.code, v.unit_code, v.population, v.geometry, v.lat, v.lng)
                        .where(*within(v.unit_code, scope)).order_by(v.code)).all()
    frame = frame_of(rows, columns=["village_code", "unit_code", "population", "geometry", "lat", "lng"])
    frame["population"] = frame["population"].astype("float64").fillna(0)
    return frame


def first_crime_date(conn: Connection, scope: Scope, as_of: date) -> date | None:
    """The earliest local date of a stored crime of the scope on or before as_of."""
    return conn.execute(select(func.min(crimes.c.local_date))
                        .where(crimes.c.village_code.in_(villages_in(scope)), crimes.c.local_date <= as_of)
                        ).scalar_one()


def analysis_months(as_of: date, first_crime: date | None) -> list[str]:
    """The last MONTHS complete months ("YYYY-MM") up to as_of, none before the first crime's month."""
    if first_crime is None:
        return []
    last = pd.Period(as_of, freq="M")
    if as_of < last.end_time.date():
        last -= 1
    months = pd.period_range(end=last, periods=MONTHS, freq="M")
    return [str(month) for month in months if month >= pd.Period(first_crime, freq="M")]


def monthly_crimes(conn: Connection, scope: Scope, months: list[str]) -> pd.DataFrame:
    """Crimes per village (rows) and month (columns) of the scope within the given months."""
    start = pd.Period(months[0], freq="M").start_time.date()
    end = pd.Period(months[-1], freq="M").end_time.date()
    month = func.substr(cast(crimes.c.local_date, String), 1, 7).label("month")
    rows = conn.execute(select(crimes.c.village_code, month, func.count())
                        .where(crimes.c.village_code.in_(villages_in(scope)),
                               crimes.c.local_date.between(start, end))
                        .group_by(crimes.c.village_code, month)).all()
    frame = frame_of(rows, columns=["village_code", "month", "crimes"])
    return frame.pivot_table(index="village_code", columns="month", values="crimes", aggfunc="sum", fill_value=0)


def gi_star_z(rates: np.ndarray, weights: W) -> np.ndarray:
    """Gi* z per village (rows) and month (columns); 0 where a month's rates are all equal or z is undefined."""
    z = np.zeros_like(rates)
    with warnings.catch_warnings():
        # Separate regions (islands, far-apart Polsek) make the weights disconnected; Gi* is still defined.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        with_self = fill_diagonal(weights, 1.0)  # Gi*: each village counts in its own neighbourhood
        for month in range(rates.shape[1]):
            column = rates[:, month]
            if np.ptp(column) > 0:
                z[:, month] = G_Local(column, with_self, transform="B", star=True, permutations=0).Zs
    # A village whose neighbourhood is the whole study area (a small Polsek) has zero variance: nothing to say.
    return np.nan_to_num(z)


def significant(z: np.ndarray) -> np.ndarray:
    """Whether each z is significant after the Benjamini-Hochberg FDR correction across villages (axis 0)."""
    p = 2 * stats.norm.sf(np.abs(z))
    return stats.false_discovery_control(p, axis=0, method="bh") < ALPHA


def mann_kendall(series: np.ndarray) -> tuple[float, float]:
    """Mann-Kendall trend (z, two-sided p) of a series: Kendall's tau against time, normal approximation."""
    if len(series) < 3 or np.ptp(series) == 0:
        return math.nan, math.nan
    result = stats.kendalltau(np.arange(len(series)), series, method="asymptotic")
    # scipy reports tau and p; the test's z is the normal quantile of that p, with tau's sign.
    return math.copysign(stats.norm.isf(result.pvalue / 2), result.statistic), float(result.pvalue)


def classify(hot: np.ndarray, trend_z: float, trend_p: float) -> str:
    """The class of one village from its months (oldest first) significantly hot, and its Gi* trend.

    Rules, checked in this order (ArcGIS "Emerging Hot Spot Analysis", restricted to six classes):
    - new: hot in the final month and in no other month.
    - intensifying: hot in ≥ 90 % of the months including the final one, trend significantly rising.
    - diminishing: hot in ≥ 90 % of the months, trend significantly falling; also ArcGIS's
      "historical" (≥ 90 % hot but not in the final month): a hot spot that has faded.
    - persistent: hot in ≥ 90 % of the months including the final one, no significant trend.
    - sporadic: hot in the final month, on and off before (under 90 %); ArcGIS's "consecutive"
      (an unbroken run of hot months at the end) and "oscillating" (hot now, cold in some earlier
      month) land here, since all three mean "hot now, but not for long".
    - "" (none): not hot in the final month and hot in under 90 % of the months; cold spots too.
    """
    months, hot_months, final = len(hot), int(hot.sum()), bool(hot[-1])
    mostly_hot = hot_months >= MOST_MONTHS * months
    rising = trend_p < ALPHA and trend_z > 0
    falling = trend_p < ALPHA and trend_z < 0
    if final and hot_months == 1:
        return "new"
    if mostly_hot and final and rising:
        return "intensifying"
    if mostly_hot and (falling or not final):
        return "diminishing"
    if mostly_hot:
        return "persistent"
    if final:
        return "sporadic"
    return ""


def classified(codes: list[str], z: np.ndarray) -> pd.DataFrame:
    """The classes, last z, trend and hot months of the study villages from their Gi* z (villages × months)."""
    hot = significant(z) & (z > 0)
    rows = []
    for index, code in enumerate(codes):
        trend_z, trend_p = mann_kendall(z[index])
        rows.append((code, classify(hot[index], trend_z, trend_p), z[index, -1], trend_z, trend_p,
                     int(hot[index].sum()), z.shape[1]))
    return pd.DataFrame(rows, columns=[c for c in HOTSPOT_COLUMNS if c != "unit_code"])


def unclassified(places: pd.DataFrame) -> pd.DataFrame:
    """Every village without a class: there is nothing (or too little) to analyse."""
    return places[["village_code", "unit_code"]].pipe(filled)


def filled(frame: pd.DataFrame) -> pd.DataFrame:
    """The result columns in order; villages outside the study area get no class and zero months."""
    frame = frame.reindex(columns=HOTSPOT_COLUMNS)
    frame["hotspot_class"] = [value if isinstance(value, str) else "" for value in frame["hotspot_class"]]
    for column in ("gi_z", "trend_z", "trend_p"):
        frame[column] = frame[column].astype("float64")
    for column in ("hot_months", "months"):
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame.reset_index(drop=True)
