"""Small hand-made BOS exports for tests: a few units, square villages, officers and reports."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

# Offsets in degrees of the test villages' south-west corners; each village is a 0.01° square.
WIB_ORIGIN = (110.0, -7.0)  # Java, Asia/Jakarta
WITA_ORIGIN = (115.2, -2.4)  # South Kalimantan, Asia/Makassar


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON polygon: the square with south-west corner (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def base_units() -> list[dict]:
    """Two Polda; a Polres with two Polsek in WIB, and one in WITA."""
    return [
        {"code": "PD-35", "name": "Polda Jawa Timur", "level": "polda", "parent_code": ""},
        {"code": "PR-35.21", "name": "Polres Ngawi", "level": "polres", "parent_code": "PD-35"},
        {"code": "PS-A", "name": "Polsek A", "level": "polsek", "parent_code": "PR-35.21"},
        {"code": "PS-B", "name": "Polsek B", "level": "polsek", "parent_code": "PR-35.21"},
        {"code": "PD-63", "name": "Polda Kalimantan Selatan", "level": "polda", "parent_code": ""},
        {"code": "PR-63.08", "name": "Polres Hulu Sungai Utara", "level": "polres", "parent_code": "PD-63"},
        {"code": "PS-C", "name": "Polsek C", "level": "polsek", "parent_code": "PR-63.08"},
    ]


def base_villages() -> list[dict]:
    """Villages V1, V2 (Polsek A), V3 (Polsek B) in WIB and V4 (Polsek C) in WITA."""
    lng, lat = WIB_ORIGIN
    wlng, wlat = WITA_ORIGIN
    return [
        {"village_code": "35.21.01.2001", "village": "Desa Satu", "unit_code": "PS-A", "households": 100,
         "population": 370, "geometry": square(lng, lat)},
        {"village_code": "35.21.01.2002", "village": "Desa Dua", "unit_code": "PS-A", "households": 50,
         "population": 185, "geometry": square(lng + 0.02, lat)},
        {"village_code": "35.21.02.2003", "village": "Desa Tiga", "unit_code": "PS-B", "households": 80,
         "population": 296, "geometry": square(lng + 0.04, lat)},
        {"village_code": "63.08.01.2004", "village": "Desa Empat", "unit_code": "PS-C", "households": 40,
         "population": 148, "geometry": square(wlng, wlat)},
    ]


def base_officers() -> list[dict]:
    return [
        {"nrp": "80010001", "name": "Agus", "rank": "Bripka", "unit_code": "PS-A", "active_from": "",
         "active_to": ""},
        {"nrp": "80010002", "name": "Budi", "rank": "Aipda", "unit_code": "PS-B", "active_from": "",
         "active_to": ""},
        {"nrp": "80010003", "name": "Citra", "rank": "Brigpol", "unit_code": "PS-C", "active_from": "",
         "active_to": ""},
    ]


def inside(village: int, dx: float = 0.005, dy: float = 0.005) -> tuple[float, float]:
    """(lat, lng) of a point inside test village 1..4 (offsets from its south-west corner)."""
    corners = {1: WIB_ORIGIN, 2: (WIB_ORIGIN[0] + 0.02, WIB_ORIGIN[1]), 3: (WIB_ORIGIN[0] + 0.04, WIB_ORIGIN[1]),
               4: WITA_ORIGIN}
    lng, lat = corners[village]
    return round(lat + dy, 6), round(lng + dx, 6)


def photo(name: str) -> str:
    """A photo_sha256 value: the SHA-256 of `name`, as 64 hexadecimal characters."""
    return hashlib.sha256(name.encode()).hexdigest()


def activity(report_id: str, nrp: str = "80010001", village_code: str = "35.21.01.2001",
             activity_type: str = "dds", activity_at: str = "2024-03-05T09:00:00+07:00",
             submitted_at: str = "2024-03-05T10:00:00+07:00", latlng: tuple | None = None,
             household_id: str | None = None, narrative: str = "", photo_sha256: str = "") -> dict:
    """One activities.csv row with sensible defaults."""
    lat, lng = latlng if latlng is not None else inside(1)
    return {
        "report_id": report_id, "nrp": nrp, "village_code": village_code, "activity_type": activity_type,
        "activity_at": activity_at, "submitted_at": submitted_at, "lat": "" if lat is None else lat,
        "lng": "" if lng is None else lng,
        "household_id": household_id if household_id is not None else
        (f"HH-{report_id}" if activity_type == "dds" else ""),
        "narrative": narrative, "photo_sha256": photo_sha256,
    }


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """Write rows as a UTF-8 CSV with a header (columns: union of keys in first-seen order)."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: ("" if row.get(key) is None else row.get(key)) for key in columns})


def write_geojson(path: Path, villages: list[dict]) -> None:
    """villages.geojson from rows whose "geometry" key holds a GeoJSON geometry."""
    features = [
        {"type": "Feature", "properties": {k: v for k, v in v_row.items() if k != "geometry"},
         "geometry": v_row.get("geometry")}
        for v_row in villages
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def write_export(directory: Path, **files: list[dict]) -> Path:
    """Write an export directory: keyword = file stem (units, villages, activities, leave, ...)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, rows in files.items():
        if rows is None:
            continue
        if stem == "villages":
            write_geojson(directory / "villages.geojson", rows)
        else:
            write_csv(directory / f"{stem}.csv", rows)
    return directory


def base_export(directory: Path, **overrides: list[dict]) -> Path:
    """The base units, villages and officers, plus whatever files are given."""
    files = {"units": base_units(), "villages": base_villages(), "officers": base_officers()}
    files.update(overrides)
    return write_export(directory, **files)
