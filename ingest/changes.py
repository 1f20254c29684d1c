"""What an import changed in the activities: the keys every derived table (flags, rollups, aggregates) follows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ActivityChanges:
    """What one import did to the activities: the keys every derived table is updated from."""
    report_ids: set[str]          # reports inserted or updated by the import, plus stored reports whose
                                  # group measures/flags changed because of it
    replaced: list[dict]          # the stored version, before the update, of each updated report:
                                  # report_id, nrp, village_code, local_date, activity_at, submitted_at,
                                  # photo_sha256, narrative_key
    full: bool = False            # True: rebuild everything (bulk load, policy/units/outages/officers changed)
