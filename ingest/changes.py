"""What an import changed in the activities: the keys every derived table is brought up to date from."""

from __future__ import annotations

from dataclasses import dataclass

# The columns of each row of ActivityChanges.replaced.
REPLACED_COLUMNS = ("report_id", "nrp", "village_code", "local_date", "activity_at", "submitted_at", "photo_sha256",
                    "narrative_key")


@dataclass
class ActivityChanges:
    """What one import did to the activities: the keys every derived table is updated from."""

    report_ids: set[str]  # reports inserted or updated by the import, plus stored reports whose
    # group measures/flags changed because of it
    replaced: list[dict]  # the stored version (REPLACED_COLUMNS), before the update, of each updated report
    full: bool = False  # True: rebuild everything (bulk load, policy/units/outages/officers changed)
