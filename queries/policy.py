"""Policy values of docs/metrics-reference.md: defaults, the settings file, and per-call overrides."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from queries.db import PROJECT_DIR

POLICY_FILE = PROJECT_DIR / "policy.toml"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Thresholds that are not settings of the policy file (yet). The logic and every text quoting one read it here.
SILENT_DAYS = 7  # an officer without any report for this many days is called out, and their light is red
SILENT_AMBER_DAYS = 3  # ... and amber from this many days
REAL_CHANGE_Z = 3.0  # a Poisson change z beyond ±this is a real change, not chance
BOS_V2_LAUNCH = date(2021, 5, 5)  # the effectiveness page's default reference date
LIGHT_RED_BELOW = 0.7  # every traffic light of the compliance list (queries/metrics.py) is red below this share


@dataclass(frozen=True)
class Policy:
    """Thresholds that turn raw reports into metrics; frozen so it can key caches."""

    reporting_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5)  # Monday=0 … Saturday=5
    late_after_hours: float = 24
    dds_target_per_day: float = 2
    outage_excuse_hours: float = 4
    gps_tolerance_m: float = 200
    max_travel_kmh: float = 80
    blind_spot_days: int = 30
    complaint_response_sla_hours: float = 24
    backlog_old_days: float = 7

    def replace(self, **changes) -> Policy:
        """A copy with some values changed (weekday names are accepted)."""
        if "reporting_weekdays" in changes:
            changes["reporting_weekdays"] = parse_weekdays(changes["reporting_weekdays"])
        return dataclasses.replace(self, **changes)

    def flag_values(self) -> dict[str, float]:
        """The values the stored activity flags depend on."""
        return {
            "late_after_hours": float(self.late_after_hours),
            "gps_tolerance_m": float(self.gps_tolerance_m),
            "max_travel_kmh": float(self.max_travel_kmh),
        }


def parse_weekdays(value) -> tuple[int, ...]:
    """Weekdays as sorted Monday=0 integers, from integers or names like "mon"."""
    days = set()
    for item in value:
        if isinstance(item, int) and 0 <= item <= 6:
            days.add(item)
        elif isinstance(item, str) and item.strip().lower()[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(item.strip().lower()[:3]))
        else:
            raise ValueError(f"not a weekday: {item!r}")
    return tuple(sorted(days))


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy from the settings file (BOS_POLICY_FILE or ./policy.toml); defaults where absent."""
    path = Path(path or os.environ.get("BOS_POLICY_FILE") or POLICY_FILE)
    if not path.exists():
        return Policy()
    with path.open("rb") as fh:
        values = tomllib.load(fh).get("policy", {})
    known = {f.name for f in dataclasses.fields(Policy)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{path}: unknown policy setting(s): {', '.join(sorted(unknown))}")
    return Policy().replace(**values)
