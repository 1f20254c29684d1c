"""Exports at the size of a Polres, a Polda or the whole country, for the benchmark.

The sample's three real districts are the pattern: a `polda` export holds eleven copies of
each, a `national` one 175 copies spread over 34 Polda. Each copy is the real geometry moved
to its own cell of a grid over Indonesia, with new unit and village codes, and gets the
sample's behaviours (diligent and formality reporters, late submitters, outages, complaint
response by pattern district, Karangjati's rising crime) and crime with the signal of
sample_data/crime_signal.py, from two years before the BOS V2 launch (three years of crimes at
every scale). Activities are streamed to disk one officer at a time, so memory stays flat however
large the export.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from sample_data import crime_signal
from sample_data.generator import END, OUTAGES, SEED, START, SampleGenerator, Village, _write_csv

PATTERNS = ("32.74", "35.21", "63.08")  # Kota Cirebon, Ngawi, Hulu Sungai Utara


@dataclass(frozen=True)
class Scale:
    patterns: tuple[str, ...]  # which real districts are copied
    copies: int  # copies of each
    poldas: int  # how many Polda the copies are spread over
    days: int  # length of the activity period, ending on the sample's last day
    pair_share: float  # share of rural officers covering two villages
    intensity: float  # reports per working day relative to the sample (BOS V2 at full adoption)


SCALES = {
    # ≈ 150 officers, 217 villages, a year: one real Polres.
    "polres": Scale(("35.21",), 1, 1, 376, 0.55, 1.0),
    # ≈ 3,500 officers, 5,038 villages, a year (≈ 5 M activities).
    "polda": Scale(PATTERNS, 11, 1, 376, 0.55, 1.9),
    # ≈ 42,000 officers, 80,150 villages; 31 days on this machine (the README projects a year).
    "national": Scale(PATTERNS, 175, 34, 31, 1.0, 1.9),
}

MAX_DAYS = (END - START).days + 1  # from the BOS V2 launch to the sample's last day (376)
DAILY_DAY = END + timedelta(days=1)  # the first day after every scale export: a Monday

# Grid cells over Indonesia's land and sea (lng 95-141, lat -10-5), one per copied district.
GRID_ORIGIN = (95.0, -10.0)
GRID_CELL = 0.8


class ScaleGenerator(SampleGenerator):
    """The sample generator over copies of the real districts; `write` streams activities."""

    def __init__(self, scale: Scale, seed: int = SEED, structure: str = "sample"):
        super().__init__(seed, structure)
        self.scale = scale
        self.start = END - timedelta(days=scale.days - 1)
        self.pair_share = scale.pair_share
        self.intensity = scale.intensity
        self.offsets: dict[str, tuple[float, float]] = {}  # new Polres code -> (dlng, dlat)

    def build_units_and_villages(self) -> None:
        pattern = SampleGenerator(self.seed, self.structure.name)
        pattern.build_units_and_villages()
        by_regency: dict[str, list[Village]] = {}
        for village in pattern.villages:
            by_regency.setdefault(village.regency_code, []).append(village)
        polres_names = {u["code"][3:]: u["name"] for u in pattern.units if u["level"] == "polres"}
        polsek_names = {u["code"]: u["name"] for u in pattern.units if u["level"] == "polsek"}
        scale = self.scale
        if scale.poldas == 1 and scale.copies == 1:  # one real Polres, codes unchanged
            regency = scale.patterns[0]
            province = regency[:2]
            self.units = [u for u in pattern.units if u["code"] in (f"PD-{province}", f"PR-{regency}")
                          or u["code"].startswith(f"PS-{regency}.")]
            self.villages = by_regency[regency]
            self.offices = {k: v for k, v in pattern.offices.items() if k.startswith(f"PS-{regency}.")}
            self.pattern_feature = {}
            return
        provinces = [f"{71 + i:02d}" if scale.poldas > 1 else "35" for i in range(scale.poldas)]
        for number, province in enumerate(provinces, start=1):
            name = "Polda Jawa Timur" if scale.poldas == 1 else f"Polda Wilayah {number:02d}"
            self.units.append({"code": f"PD-{province}", "name": name, "level": "polda", "parent_code": ""})
        cell = 0
        self.pattern_feature = {}
        for copy in range(scale.copies):
            for regency in scale.patterns:
                province = provinces[cell % len(provinces)]
                new_regency = f"{province}.{cell // len(provinces) + 1:02d}"
                column, row = cell % 57, cell // 57
                centre = np.mean([v.points[0] for v in by_regency[regency]], axis=0)  # (lat, lng)
                dlng = GRID_ORIGIN[0] + (column + 0.5) * GRID_CELL - centre[1]
                dlat = GRID_ORIGIN[1] + (row + 0.5) * GRID_CELL - centre[0]
                zone = "Asia/Jakarta" if dlng + centre[1] < 115 else "Asia/Makassar" if dlng + centre[1] < 130 \
                    else "Asia/Jayapura"
                polres = f"PR-{new_regency}"
                self.offsets[polres] = (dlng, dlat)
                self.units.append({"code": polres, "name": f"{polres_names[regency]} {copy + 1:03d}",
                                   "level": "polres", "parent_code": f"PD-{province}"})
                for old_polsek in sorted({v.unit_code for v in by_regency[regency]}):
                    polsek = f"PS-{new_regency}{old_polsek[8:]}"
                    self.units.append({"code": polsek, "name": polsek_names[old_polsek], "level": "polsek",
                                       "parent_code": polres})
                    lat, lng = pattern.offices[old_polsek]
                    self.offices[polsek] = (round(lat + dlat, 6), round(lng + dlng, 6))
                for village in by_regency[regency]:
                    code = f"{new_regency}{village.code[5:]}"
                    self.villages.append(replace(
                        village, code=code, unit_code=f"PS-{new_regency}{village.unit_code[8:]}", zone=zone,
                        points=np.round(village.points + [dlat, dlng], 6), feature=None))
                    self.pattern_feature[code] = (village.feature, dlng, dlat)
                cell += 1

    def _village_neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Each copy's villages touch as their real pattern's do; copies never touch one another."""
        if not self.pattern_feature:
            return super()._village_neighbours()
        features = {f["properties"]["village_code"]: f for f, _, _ in self.pattern_feature.values()}
        patterns = sorted(features)
        left, right = crime_signal.polygon_neighbours([shape(features[code]["geometry"]) for code in patterns])
        position = {code: i for i, code in enumerate(patterns)}
        copies: dict[tuple[float, float], dict[int, int]] = {}  # a copy's offset -> pattern index -> village index
        for index, village in enumerate(self.villages):
            feature, dlng, dlat = self.pattern_feature[village.code]
            copies.setdefault((dlng, dlat), {})[position[feature["properties"]["village_code"]]] = index
        pairs = [(members[i], members[j]) for members in copies.values()
                 for i, j in zip(left.tolist(), right.tolist()) if i in members and j in members]
        source, target = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
        return source, target

    def _new_officer(self, unit_code, zone, serial, profile):
        # Names follow the pattern district's region (the copies' provinces are synthetic).
        pattern = {"Asia/Jakarta": "35", "Asia/Makassar": "63", "Asia/Jayapura": "63"}[zone]
        real = unit_code[3:5] if unit_code[3:5] in ("32", "35", "63") else pattern
        officer = super()._new_officer(f"PS-{real}", zone, serial, profile)
        officer.unit_code = unit_code
        return officer

    def prepare(self) -> None:
        """Units, villages, outages and officers: the same for any number of days, so a daily file fits."""
        self.build_units_and_villages()
        hsu = next((u["code"] for u in self.units if u["level"] == "polres" and "Hulu Sungai" in u["name"]), None)
        self.outages = tuple(o for o in OUTAGES if o[3] is None) + tuple(
            o[:3] + (hsu,) + o[4:] for o in OUTAGES if o[3] is not None and hsu)
        self.build_officers()
        self.plan_signal()  # before any report: early-detection reports rise before some bursts

    def write(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        counts = {"activities.csv": self._stream_activities(out_dir / "activities.csv")}
        files = {
            **self.reference_files(),
            "complaints.csv": self.build_complaints(),
            "crimes.csv": self.build_crimes(),
        }
        for name, rows in files.items():
            _write_csv(out_dir / name, rows)
            counts[name] = len(rows)
        counts["villages.geojson"] = self._write_copied_villages(out_dir / "villages.geojson")
        return counts

    def write_daily(self, out_dir: Path, day: date) -> dict[str, int]:
        """Only activities.csv, with every officer's reports of one day after the export's last.

        The officers' NRPs and villages are those of the export at any --days, so the file imports into
        any of them; with the export's own --days, who is active, assigned or on leave matches too.
        Report ids carry the date, so none collides with the export's.
        """
        if day <= END:
            raise ValueError(f"the daily file's day must come after the export's last day ({END})")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        return {"activities.csv": self._stream_activities(out_dir / "activities.csv", [day])}

    def _stream_activities(self, path: Path, days: list[date] | None = None) -> int:
        written = 0
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = None
            for rows in self.iter_activities(days):
                if not rows:
                    continue
                if writer is None:
                    writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
                    writer.writeheader()
                writer.writerows(rows)
                written += len(rows)
        return written

    def _write_copied_villages(self, path: Path) -> int:
        if not self.pattern_feature:
            return self._write_villages(path)
        # Simplified outlines keep a national file near 100 MB rather than several hundred.
        tolerance = 0.0008 if self.scale.copies > 20 else 0.0
        outlines: dict[str, dict] = {}
        with path.open("w", encoding="utf-8") as fh:
            fh.write('{"type":"FeatureCollection","attribution":"Synthetic copies of cahyadsn/wilayah_boundaries '
                     '(c) 2017-2025 Cahya DSN, MIT licence.","features":[')
            for index, v in enumerate(self.villages):
                feature, dlng, dlat = self.pattern_feature[v.code]
                key = feature["properties"]["village_code"]
                if key not in outlines:
                    outlines[key] = shape(feature["geometry"]).simplify(tolerance) if tolerance else shape(
                        feature["geometry"])
                geometry = shapely.transform(outlines[key], lambda xy, d=(dlng, dlat): np.round(xy + d, 6))
                p = feature["properties"]
                properties = {"village_code": v.code, "village": v.name, "unit_code": v.unit_code,
                              "households": v.households, "population": v.population, "district": p["district"],
                              "regency": p["regency"], "province": p["province"], "timezone": v.zone}
                properties = {k: val for k, val in properties.items() if val is not None}
                fh.write(("," if index else "") + json.dumps(
                    {"type": "Feature", "properties": properties, "geometry": mapping(geometry)},
                    ensure_ascii=False, separators=(",", ":")))
            fh.write("]}")
        return len(self.villages)


def checked_days(days: int) -> int:
    """A length of the reporting period that the generator can write (ValueError otherwise)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    return days


def scale_of(name: str, days: int | None = None) -> Scale:
    """The named scale, over `days` days ending on the sample's last day if given."""
    return SCALES[name] if days is None else replace(SCALES[name], days=checked_days(days))


def generate_scale(name: str, out_dir: str | Path, seed: int = SEED, days: int | None = None,
                   structure: str = "sample") -> dict[str, int]:
    """Write an export of the named scale (see SCALES) to out_dir; return the rows per file.

    structure: how crime is organised (sample_data.crime_signal.STRUCTURES).
    """
    return ScaleGenerator(scale_of(name, days), seed, structure).write(Path(out_dir))


def generate_daily(name: str, out_dir: str | Path, day: date | None = None, seed: int = SEED,
                   days: int | None = None, structure: str = "sample") -> dict[str, int]:
    """Write the named scale's reports of one day (default: the day after the exports end) to out_dir.

    days: that of the export the file follows (officers' transfers and leave are drawn over it).
    """
    return ScaleGenerator(scale_of(name, days), seed, structure).write_daily(Path(out_dir), day or DAILY_DAY)


def first_activity_day(name: str) -> date:
    """The first day of the named scale's activity period."""
    return END - timedelta(days=SCALES[name].days - 1)
