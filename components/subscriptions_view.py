"""The admin's view of the briefing subscriptions and the deliveries log: codes turned into words and local times."""

from __future__ import annotations

import pandas as pd

from components.i18n import LANGUAGES, fmt_local_moment, fmt_weekdays, t

SUBSCRIPTION_COLUMNS = ["id", "unit_name", "schedule", "days", "language", "format", "active", "recipients"]
LOG_COLUMNS = ["sent_at", "subscription_id", "username", "unit_code", "slot_local", "attempt", "status", "error",
               "bytes"]


def subscription_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per subscription: "Senin 07.00 (Asia/Makassar)", the language's name, PDF or HTML."""
    schedule = [f"{fmt_weekdays([day])} {hour:02d}.00 ({zone})"
                for day, hour, zone in zip(frame["weekday"], frame["hour"], frame["timezone"])]
    return frame.assign(schedule=schedule, language=frame["language"].map(LANGUAGES),
                        format=frame["format"].str.upper())[SUBSCRIPTION_COLUMNS]


def log_rows(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """The log with its statuses in words and the attempt times in the admin's zone (the slot stays local)."""
    return frame.assign(status=frame["status"].map(lambda s: t(f"subs.status.{s}")),
                        sent_at=[fmt_local_moment(at, zone) for at in frame["sent_at"]])[LOG_COLUMNS]


def headers(columns: list[str]) -> dict[str, str]:
    return {column: t(f"subs.col.{column}") for column in columns}
