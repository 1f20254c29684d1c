"""Policy values of docs/metrics-reference.md: defaults, the settings file, and per-call overrides."""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from queries.settings import SettingsError, read_toml, settings

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Thresholds that are not settings of the policy file (yet). The logic and every text quoting one read it here.
SILENT_DAYS = 7  # an officer without any report for this many days is called out, and their light is red
SILENT_AMBER_DAYS = 3  # ... and amber from this many days
REAL_CHANGE_Z = 3.0  # a Poisson change z beyond ±this is a real change, not chance
BOS_V2_LAUNCH = date(2021, 5, 5)  # the effectiveness page's default reference date
LIGHT_RED_BELOW = 0.7  # every traffic light of the compliance list (queries/metrics.py) is red below this share
# Emerging hot spots (forecast/hotspots.py):
HOTSPOT_MONTHS = 12  # complete months analysed: enough for a trend, few enough that "new" means new this year
HOTSPOT_MOST_MONTHS = 0.9  # ArcGIS's "ninety percent of the time-step intervals" (persistent, intensifying, ...)
HOTSPOT_ALPHA = 0.05  # significance of the FDR-corrected Gi* p-values and of the Mann-Kendall trend


# The least value of each numeric setting that still means something (a negative delay, no travel speed or a
# blind-spot window of no days would make every flag or light meaningless): name -> (kind, least, least allowed).
LIMITS = {
    "late_after_hours": (float, 0, True),
    "dds_target_per_day": (float, 0, True),
    "outage_excuse_hours": (float, 0, True),
    "gps_tolerance_m": (float, 0, True),
    "max_travel_kmh": (float, 0, False),
    "blind_spot_days": (int, 1, True),
    "complaint_response_sla_hours": (float, 0, True),
    "backlog_old_days": (float, 0, True),
}


class PolicyError(SettingsError):
    """A policy value that cannot be used; the message names the setting (and the file, when read from one)."""


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

    def __post_init__(self):
        days = self.reporting_weekdays
        if not days or not all(isinstance(day, int) and 0 <= day <= 6 for day in days):
            raise PolicyError(f"reporting_weekdays: expected at least one weekday (mon … sun), got {days!r}")
        for name, (kind, least, least_allowed) in LIMITS.items():
            check_number(name, getattr(self, name), kind, least, least_allowed)

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


def check_number(name: str, value, kind: type, least: float, least_allowed: bool) -> None:
    """Raise PolicyError naming the setting unless value is a number of the kind within its limit."""
    wanted = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        raise PolicyError(f"{name}: expected {wanted}, got {value!r}")
    if not math.isfinite(value):  # TOML allows nan and inf; neither is a threshold
        raise PolicyError(f"{name}: expected a finite number, got {value!r}")
    if value < least or value == least and not least_allowed:
        raise PolicyError(f"{name}: {value!r} is impossible; it must be {'at least' if least_allowed else 'above'} "
                          f"{least}")


def parse_weekdays(value) -> tuple[int, ...]:
    """Weekdays as sorted Monday=0 integers, from integers or names like "mon"."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise PolicyError(f"reporting_weekdays: expected a list of weekdays like [\"mon\", \"tue\"], got {value!r}")
    days = set()
    for item in value:
        if isinstance(item, int) and 0 <= item <= 6:
            days.add(item)
        elif isinstance(item, str) and item.strip().lower()[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(item.strip().lower()[:3]))
        else:
            raise PolicyError(f"reporting_weekdays: not a weekday: {item!r}")
    return tuple(sorted(days))


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy of a settings file (BOS_POLICY_FILE or ./policy.toml); defaults where absent or the file is missing.

    An unknown table or key, a value of the wrong type or an impossible value raises PolicyError naming the
    file and the key, so a typo stops the start instead of silently falling back to a default.
    """
    path = Path(path or settings().policy_file)
    if not path.exists():
        return Policy()
    document = read_toml(path, PolicyError)
    unknown_tables = sorted(set(document) - {"policy"})
    if unknown_tables:
        raise PolicyError(f"{path}: unknown table or key {unknown_tables[0]!r}; the settings go under [policy]")
    values = document.get("policy", {})
    if not isinstance(values, dict):
        raise PolicyError(f"{path}: 'policy' must be a table ([policy])")
    known = [f.name for f in dataclasses.fields(Policy)]
    for key in sorted(values):
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PolicyError(f"{path}: [policy] {key}: unknown setting{hint}")
    try:
        return Policy().replace(**values)
    except PolicyError as exc:
        raise PolicyError(f"{path}: [policy] {exc}") from None
