"""Crime with something true to find: hot spots, near-repeat bursts, a season and a lead signal.

Used by both generators (the sample of three districts and the scale exports). A village's daily
crime rate is

    base(month) × season(day) × hot spot factor  +  burst rate  +  near-repeat excitation

- base: the generator's rate per month (CRIME_RATE per 10,000 residents and its district stories);
- hot spots: a few clusters (a seed village and some of its neighbours) with a steady rate several
  times the base, all years long;
- bursts: short waves of crime in one village, spilling over at a lower rate onto its neighbours;
  some are foreshadowed: in the weeks before, the village's officer files more early-detection
  (`deteksi_dini`) reports, rising towards the start, and residents complain a little more often
  about unrest. Some such rises are false alarms (no burst
  follows), and officers who report "as a formality" never notice anything, so the lead is real
  but imperfect;
- near-repeat: every crime raises its own village's rate, and its neighbours', for a couple of
  weeks (a self-exciting process whose excitation decays exponentially);
- noise villages: a constant base rate, nothing else: nothing there is predictable.

The season is a plain choice per structure: "lebaran" raises crime from the start of Ramadan to a
week after Idul Fitri (the month of mudik, when houses stand empty and spending peaks) and a little
in December; "akhir_tahun" raises it from mid-December to mid-January; "" has no season.

Everything is drawn from its own random streams (seeded from the generator's seed and a tag), so
the rest of the export draws what it drew before this module existed.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import shapely

PLAN_TAG, CRIME_TAG, COMPLAINT_TAG = 1901, 1902, 1903  # issue 19's streams, apart from the generator's own
LEAD_DAYS = 28  # early-detection reports rise over the four weeks before a foreshadowed burst
LEAD_PEAK = 0.4  # chance of each of two extra reports on a working day at the end of the rise
LEAD_COMPLAINTS = 0.7  # residents' complaints about unrest during a rise (Poisson mean)
UNREST_CATEGORIES = ("Gangguan ketertiban", "Kenakalan remaja", "Narkoba", "Pencurian")
NEIGHBOUR_DISTANCE = 0.0005  # degrees (≈ 50 m): polygons this close count as touching (queen contiguity)

# Idul Fitri (1 Syawal) per year, as announced by the Ministry of Religious Affairs.
LEBARAN = {2019: date(2019, 6, 5), 2020: date(2020, 5, 24), 2021: date(2021, 5, 13), 2022: date(2022, 5, 2),
           2023: date(2023, 4, 22)}


@dataclass(frozen=True)
class Structure:
    """How crime is organised in one export; the sample and the second export differ in every line."""

    name: str
    hot_spot_share: float  # share of villages seeding a hot-spot cluster
    hot_spot_factor: tuple[float, float]  # the clusters' rate, times the base (drawn uniformly)
    cluster_neighbours: int  # neighbours of each seed joining its cluster
    noise_share: float  # share of villages with a constant base rate and nothing else
    season: str  # "lebaran", "akhir_tahun" or "" (see the module docstring)
    bursts_per_year: float  # per (non-noise) village
    burst_days: int
    burst_crimes: float  # expected extra crimes of a burst in its own village
    spill_crimes: float  # expected extra crimes of a burst in each neighbour
    foreshadowed_share: float  # bursts preceded by rising early-detection reports
    false_alarm_share: float  # rises with no burst after them, per foreshadowed burst
    repeat_own: float  # expected further crimes in the village that one crime brings about
    repeat_neighbours: float  # the same, over all its neighbours together
    repeat_days: float  # mean life of that excitation


STRUCTURES = {
    "sample": Structure("sample", hot_spot_share=0.012, hot_spot_factor=(4.0, 8.0), cluster_neighbours=2,
                        noise_share=0.25, season="lebaran", bursts_per_year=0.15, burst_days=14,
                        burst_crimes=2.5, spill_crimes=0.5, foreshadowed_share=0.5, false_alarm_share=0.3,
                        repeat_own=0.2, repeat_neighbours=0.1, repeat_days=10.0),
    # The second export: more, weaker and wider hot spots, more noise, the year-end season, longer and
    # fainter bursts that are seldom foreshadowed, and a short-lived near-repeat effect.
    "kedua": Structure("kedua", hot_spot_share=0.02, hot_spot_factor=(2.5, 4.0), cluster_neighbours=4,
                       noise_share=0.4, season="akhir_tahun", bursts_per_year=0.2, burst_days=28,
                       burst_crimes=3.0, spill_crimes=0.3, foreshadowed_share=0.3, false_alarm_share=0.6,
                       repeat_own=0.15, repeat_neighbours=0.15, repeat_days=4.0),
}


def season_factor(season: str, day: date) -> float:
    """The structure's seasonal multiplier of the base rate on one day."""
    if season == "lebaran":
        lebaran = LEBARAN.get(day.year)
        if lebaran and lebaran - timedelta(days=30) <= day <= lebaran + timedelta(days=7):
            return 1.5
        return 1.15 if day.month == 12 else 1.0
    if season == "akhir_tahun":
        return 1.35 if (day.month, day.day) >= (12, 15) or (day.month, day.day) <= (1, 15) else 1.0
    return 1.0


@dataclass(frozen=True)
class Burst:
    """A wave of crime in `village` (and, fainter, around it) over [start, end]."""

    village: str
    start: date
    end: date
    foreshadowed: bool


@dataclass(frozen=True)
class Lead:
    """A rise of early-detection reports over [start, end]; `burst` says whether a burst follows."""

    village: str
    start: date
    end: date
    burst: bool


@dataclass
class SignalPlan:
    """Where the signal is: drawn before any report, so the reports can foreshadow bursts."""

    structure: Structure
    hot_spots: dict[str, float]  # village -> rate factor
    noise: set[str]
    bursts: list[Burst]
    leads: list[Lead]
    _by_village: dict[str, list[Lead]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for lead in sorted(self.leads, key=lambda lead: lead.start):
            self._by_village.setdefault(lead.village, []).append(lead)
        self._starts = {code: [lead.start for lead in leads] for code, leads in self._by_village.items()}

    def lead_ramp(self, village: str, day: date) -> float:
        """How far into a rise of early-detection reports the village is on that day (0 = none, 1 = its end)."""
        starts = self._starts.get(village)
        if not starts:
            return 0.0
        index = bisect_right(starts, day) - 1
        # Rises of one village may overlap: the latest started one that still runs counts.
        for lead in reversed(self._by_village[village][max(0, index - 2):index + 1]):
            if lead.start <= day <= lead.end:
                return ((day - lead.start).days + 1) / LEAD_DAYS
        return 0.0


def polygon_neighbours(shapes: list) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), both ways, of polygons that touch or nearly touch (borders are not exact)."""
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="dwithin", distance=NEIGHBOUR_DISTANCE)
    keep = left != right
    return left[keep].astype(np.int64), right[keep].astype(np.int64)


def draw_plan(codes: list[str], neighbours: tuple[np.ndarray, np.ndarray], first: date, last: date,
              structure: Structure, noise_allowed: np.ndarray, seed: int) -> SignalPlan:
    """Noise villages, hot-spot clusters, bursts and rises of early-detection reports.

    noise_allowed: villages that may be pure noise (a generator keeps its district stories out).
    """
    rng = np.random.default_rng([seed, PLAN_TAG])
    count = len(codes)
    adjacent = _adjacency_lists(neighbours, count)
    noise = noise_allowed & (rng.random(count) < structure.noise_share)
    candidates = np.flatnonzero(~noise)
    seeds = rng.choice(candidates, size=min(len(candidates), max(1, round(count * structure.hot_spot_share))),
                       replace=False)
    hot: dict[int, float] = {}
    for seed_index in seeds:
        near = [j for j in adjacent[seed_index] if not noise[j] and j not in hot]
        joined = rng.permutation(near)[:structure.cluster_neighbours].tolist() if near else []
        factor = float(rng.uniform(*structure.hot_spot_factor))
        for member in [int(seed_index), *joined]:
            hot.setdefault(member, round(factor, 3))
    span = (last - first).days + 1
    bursts, leads = [], []
    for index in candidates:
        for _ in range(int(rng.poisson(structure.bursts_per_year * span / 365))):
            start = first + timedelta(days=int(rng.integers(span)))
            foreshadowed = bool(rng.random() < structure.foreshadowed_share)
            bursts.append(Burst(codes[index], start, start + timedelta(days=structure.burst_days - 1), foreshadowed))
            if foreshadowed:
                leads.append(Lead(codes[index], start - timedelta(days=LEAD_DAYS), start - timedelta(days=1), True))
    foreshadowed_count = sum(b.foreshadowed for b in bursts)
    for _ in range(int(rng.poisson(structure.false_alarm_share * foreshadowed_count))):
        index = int(rng.choice(candidates))
        start = first + timedelta(days=int(rng.integers(span)))
        leads.append(Lead(codes[index], start, start + timedelta(days=LEAD_DAYS - 1), False))
    hot_spots = {codes[i]: factor for i, factor in sorted(hot.items())}
    return SignalPlan(structure, hot_spots, {codes[i] for i in np.flatnonzero(noise)}, bursts, leads)


def _adjacency_lists(neighbours: tuple[np.ndarray, np.ndarray], count: int) -> list[list[int]]:
    lists: list[list[int]] = [[] for _ in range(count)]
    for i, j in zip(*neighbours):
        lists[int(i)].append(int(j))
    return [sorted(set(items)) for items in lists]


def simulate_counts(plan: SignalPlan, codes: list[str], days: list[date], month_of_day: np.ndarray,
                    base_per_day: np.ndarray, noise_per_day: np.ndarray, neighbours: tuple[np.ndarray, np.ndarray],
                    seed: int) -> tuple[list[tuple[int, np.ndarray, np.ndarray]], np.random.Generator]:
    """Crimes per day and village: [(day index, village indices, counts)] for days with crimes.

    base_per_day: (months, villages) the generator's base rate per day of each month;
    noise_per_day: (villages,) the constant rate of noise villages. Also returns the crime stream,
    for the caller's further draws (times, categories).
    """
    rng = np.random.default_rng([seed, CRIME_TAG])
    structure, count = plan.structure, len(codes)
    index_of = {code: i for i, code in enumerate(codes)}
    noise = np.zeros(count, dtype=bool)
    noise[[index_of[c] for c in plan.noise]] = True
    signal = ~noise
    hot = np.ones(count)
    for code, factor in plan.hot_spots.items():
        hot[index_of[code]] = factor
    source, target = neighbours
    live = signal[source] & signal[target]  # noise villages neither send nor receive anything
    source, target = source[live], target[live]
    degree = np.bincount(source, minlength=count)
    spread = 1.0 / np.maximum(degree[source], 1)
    changes = _burst_changes(plan, index_of, days, (source, target))
    decay = math.exp(-1.0 / structure.repeat_days)
    own_kick, neighbour_kick = structure.repeat_own * (1 - decay), structure.repeat_neighbours * (1 - decay)
    seasons = {day: season_factor(structure.season, day) for day in days}
    excitation, burst_rate = np.zeros(count), np.zeros(count)
    found = []
    for t, day in enumerate(days):
        for villages, delta in changes.get(t, ()):
            np.add.at(burst_rate, villages, delta)
        rate = np.where(signal, base_per_day[month_of_day[t]] * seasons[day] * hot + np.maximum(burst_rate, 0)
                        + excitation, noise_per_day)
        counts = rng.poisson(rate)
        struck = np.flatnonzero(counts)
        if len(struck):
            found.append((t, struck, counts[struck]))
            kicked = np.bincount(target, weights=counts[source] * spread, minlength=count)
            excitation = excitation * decay + (own_kick * counts + neighbour_kick * kicked) * signal
        else:
            excitation *= decay
    return found, rng


def _burst_changes(plan: SignalPlan, index_of: dict[str, int], days: list[date],
                   neighbours: tuple[np.ndarray, np.ndarray]) -> dict[int, list[tuple[np.ndarray, float]]]:
    """Day index -> [(villages, change of their burst rate)]: bursts switch on and off."""
    structure = plan.structure
    first = days[0]
    source, target = neighbours
    order = np.argsort(source, kind="stable")
    source, target = source[order], target[order]
    changes: dict[int, list[tuple[np.ndarray, float]]] = {}
    own_rate, spill_rate = structure.burst_crimes / structure.burst_days, structure.spill_crimes / structure.burst_days
    for burst in plan.bursts:
        village = index_of[burst.village]
        around = target[np.searchsorted(source, village):np.searchsorted(source, village, side="right")]
        on, off = (burst.start - first).days, (burst.end - first).days + 1
        for villages, rate in ((np.array([village]), own_rate), (around, spill_rate)):
            changes.setdefault(on, []).append((villages, rate))
            changes.setdefault(off, []).append((villages, -rate))
    return changes


def extra_early_detection(r: random.Random, ramp: float) -> int:
    """Extra early-detection reports of a working officer on a day `ramp` into a rise (0 to 2)."""
    return (r.random() < LEAD_PEAK * ramp) + (r.random() < LEAD_PEAK * ramp)
