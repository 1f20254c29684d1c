"""Which parts of which query results identify an officer: what is masked for users who may not see people.

Declared per query, by meaning: a column called `officers` is a count of officers in one result and a list
of their names in another, so a column's name alone cannot say whether it is personal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from queries import (
    alerts,
    complaints,
    compliance,
    follow_up,
    geo,
    officers,
    priorities,
    quality,
    quality_lists,
    scorecards,
)


@dataclass(frozen=True)
class Identity:
    """The columns (or keys of a record) of one result that identify officers."""

    keys: tuple[str, ...] = ()  # NRPs, and codes that are NRPs: replaced by pseudonyms, so rows stay distinct
    names: tuple[str, ...] = ()  # names and lists of names: replaced by the mask


OFFICER = Identity(keys=("nrp",), names=("name",))
# BOS report ids start with the sender's NRP (80010001-20240304-01): they identify the officer too.
REPORT = Identity(keys=("nrp", "report_id", "previous_report_id"), names=("officer",))

# query function -> the identifying columns of its result (a dict result: per entry). Counts are never listed.
PEOPLE: dict[Callable, Identity | dict[str, Identity]] = {
    alerts.blind_spots: Identity(names=("officers",)),  # "Agus (8001); Budi (8002)"
    alerts.silent_officers: OFFICER,
    alerts.overdue_complaints: Identity(names=("officer",)),
    complaints.scope_complaints: Identity(keys=("nrp",)),
    compliance.officer_table: Identity(keys=("nrp", "unit_code"), names=("name",)),  # unit_code is the NRP there
    # An officer item's NRP sits in `nrp`, never in `subject`; a report id (evidence) starts with an NRP.
    follow_up.items: Identity(keys=("nrp", "evidence_ref"), names=("officer",)),
    follow_up.review: Identity(keys=("nrp", "evidence_ref"), names=("officer",)),
    follow_up.open_subjects: Identity(keys=("nrp",)),
    geo.village_map_frame: Identity(names=("officers",)),
    geo.village_rows: Identity(names=("officers",)),
    officers.compliance_list: Identity(keys=("nrp", "unit_code"), names=("name",)),
    officers.calendar: OFFICER,
    officers.coaching_order: OFFICER,
    officers.officer_search: OFFICER,
    priorities.dds_priorities: {"villages": Identity(names=("officers",)), "by_officer": OFFICER},
    quality.narrative_clusters: Identity(names=("names",)),
    quality.reused_photos: Identity(names=("names",)),
    quality.flagged_points: REPORT,
    quality.flagged_reports: REPORT,
    quality_lists.page_flagged_reports: REPORT,
    quality_lists.stream_flagged_reports: REPORT,
    quality_lists.page_narrative_clusters: Identity(names=("names",)),
    quality_lists.stream_narrative_clusters: Identity(names=("names",)),
    quality_lists.page_reused_photos: Identity(names=("names",)),
    quality_lists.stream_reused_photos: Identity(names=("names",)),
    quality_lists.page_travel_pairs: REPORT,
    quality_lists.stream_travel_pairs: REPORT,
    quality_lists.page_gps_outside: REPORT,
    quality_lists.stream_gps_outside: REPORT,
    scorecards.scorecard: {"identity": OFFICER, "numbers": Identity(keys=("nrp",)),
                           "reports": REPORT, "villages": Identity(names=("officers",))},
}


def identity_of(query: Callable) -> Identity | dict[str, Identity] | None:
    """What identifies officers in the result of `query` (None: nothing does)."""
    return PEOPLE.get(query)
