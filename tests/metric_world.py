"""A small hand-checked world for the metric tests (window Mon 2024-03-04 .. Sun 2024-03-17).

Units: Polda PD-35 > Polres PR-35.21 > Polsek PS-A (V1 hh 100, V2 hh 50) and PS-B (V3 hh 80,
V5 without households); Polda PD-63 > Polres PR-63.08 > Polsek PS-C (V4 hh 40, WITA).

Officers and why their days are (not) expected (reporting weekdays Mon-Sat: 12 in the window):
- O1 80010001 PS-A covers V1 and V2; leave Wed 6 - Thu 7; national outage excuses Tue 12 and
  Wed 13; the PR-35.21 outage (5 h) excuses Sat 16; the 2.5 h outage on Fri 15 excuses nothing.
  Expected: 4, 5, 8, 9, 11, 14, 15 = 7 days.
- O2 80010002 PS-B covers V3 until Sun 10 (reassigned to O4): expected 4-9 = 6 days.
- O4 80010004 PS-B active and covering V3 from Mon 11: 11, 14, 15 = 3 days.
- O5 80010005 PS-B covers V5, never reports: 4-9, 11, 14, 15 = 9 days.
- O3 80010003 PS-C (WITA) covers V4: the national outage is 23 h of Tue 12 and 24 h of Wed 13
  but 1 h of Thu 14 in WITA; the PR-35.21 outage does not touch it: 12 - 2 = 10 days.
- O6 80010006 PS-C has no assignment: no expected day.
"""

from __future__ import annotations

from datetime import date

from builders import WIB_ORIGIN, activity, base_units, base_villages, inside, square, write_export

START, END = date(2024, 3, 4), date(2024, 3, 17)
V1, V2, V3, V4, V5 = "35.21.01.2001", "35.21.01.2002", "35.21.02.2003", "63.08.01.2004", "35.21.02.2005"
O1, O2, O3, O4, O5, O6 = "80010001", "80010002", "80010003", "80010004", "80010005", "80010006"


def _officer(nrp, name, unit, active_from=""):
    return {"nrp": nrp, "name": name, "rank": "Bripka", "unit_code": unit, "active_from": active_from,
            "active_to": ""}


def _complaint(cid, village, created, responded="", resolved=""):
    return {"complaint_id": cid, "village_code": village, "category": "Pencurian", "channel": "WhatsApp",
            "created_at": created, "first_response_at": responded, "resolved_at": resolved, "nrp": ""}


def _crime(iid, village, occurred):
    return {"incident_id": iid, "village_code": village, "category": "Curat", "occurred_at": occurred}


def write_world(directory):
    """Write the export of the world described above."""
    villages = base_villages() + [{"village_code": V5, "village": "Desa Lima", "unit_code": "PS-B",
                                   "geometry": square(WIB_ORIGIN[0] + 0.06, WIB_ORIGIN[1])}]
    v5_point = (-6.995, 110.065)
    officers = [_officer(O1, "Agus", "PS-A"), _officer(O2, "Budi", "PS-B"), _officer(O3, "Citra", "PS-C"),
                _officer(O4, "Dedi", "PS-B", "2024-03-11"), _officer(O5, "Eko", "PS-B"),
                _officer(O6, "Fajar", "PS-C")]
    assignments = [
        {"nrp": O1, "village_code": V1, "start_date": "2024-01-01", "end_date": ""},
        {"nrp": O1, "village_code": V2, "start_date": "2024-01-01", "end_date": ""},
        {"nrp": O2, "village_code": V3, "start_date": "2024-01-01", "end_date": "2024-03-10"},
        {"nrp": O4, "village_code": V3, "start_date": "2024-03-11", "end_date": ""},
        {"nrp": O5, "village_code": V5, "start_date": "2024-01-01", "end_date": ""},
        {"nrp": O3, "village_code": V4, "start_date": "2024-01-01", "end_date": ""},
    ]
    leave = [{"nrp": O1, "start_date": "2024-03-06", "end_date": "2024-03-07"}]
    outages = [
        {"start_at": "2024-03-12T00:00:00+07:00", "end_at": "2024-03-14T00:00:00+07:00", "unit_code": "",
         "note": "national, two days"},
        {"start_at": "2024-03-15T09:00:00+07:00", "end_at": "2024-03-15T11:30:00+07:00", "unit_code": "",
         "note": "2.5 hours"},
        {"start_at": "2024-03-16T08:00:00", "end_at": "2024-03-16T13:00:00", "unit_code": "PR-35.21",
         "note": "Polres only, 5 hours WIB"},
    ]
    acts = [
        # O1: days 4 (A1, A2), 5 (A3), 9 (A4, A5), 11 (A6), 13 (A7, not expected), 17 (A8, Sunday).
        activity("A1", O1, V1, "dds", "2024-03-04T09:00:00+07:00", "2024-03-04T10:00:00+07:00", inside(1), "H1"),
        activity("A2", O1, V2, "dds", "2024-03-04T10:00:00", "2024-03-04T11:00:00", (None, None), "H2"),
        activity("A3", O1, V1, "dds", "2024-03-05T09:00:00+07:00", "2024-03-06T09:00:00+07:00", inside(1), "H1"),
        activity("A4", O1, V1, "binluh", "2024-03-08T17:30:00Z", "2024-03-08T18:30:00Z", inside(1, 0.004)),
        activity("A5", O1, V1, "dds", "2024-03-09T08:00:00+07:00", "2024-03-11T09:00:00+07:00", inside(1, 0.003),
                 "H7"),
        activity("A6", O1, V1, "dds", "2024-03-11T09:00:00+07:00", "2024-03-12T10:00:00+07:00", inside(1, 0.006),
                 "H8"),
        activity("A7", O1, V2, "dds", "2024-03-13T09:00:00+07:00", "2024-03-14T08:00:00+07:00", inside(2), "H9"),
        activity("A8", O1, V1, "pelayanan", "2024-03-17T10:00:00+07:00", "2024-03-17T11:00:00+07:00", inside(1)),
        # O2: days 4, 5, 6 reported (V3 twice the same household, V5 once); 12 after the reassignment.
        activity("B1", O2, V3, "dds", "2024-03-04T09:00:00+07:00", "2024-03-04T10:00:00+07:00", inside(3), "H3"),
        activity("B4", O2, V5, "dds", "2024-03-05T09:00:00+07:00", "2024-03-05T10:00:00+07:00", v5_point, "H10"),
        activity("B2", O2, V3, "dds", "2024-03-06T09:00:00+07:00", "2024-03-06T10:00:00+07:00", inside(3), "H3"),
        activity("B3", O2, V3, "deteksi_dini", "2024-03-12T09:00:00+07:00", "2024-03-12T10:00:00+07:00",
                 inside(3)),
        # O4: one DDS on Thu 14.
        activity("D1", O4, V3, "dds", "2024-03-14T10:00:00+07:00", "2024-03-14T12:00:00+07:00", inside(3), "H4"),
        # O3 (WITA): naive local, UTC "Z" that is the next local day, offset, and 23:30 local.
        activity("C1", O3, V4, "dds", "2024-03-04 09:00:00", "2024-03-04 10:00:00", inside(4), "H5"),
        activity("C2", O3, V4, "dds", "2024-03-05T16:30:00Z", "2024-03-05T17:00:00Z", inside(4, 0.004), "H6"),
        activity("C3", O3, V4, "binluh", "2024-03-14T09:00:00+08:00", "2024-03-14T10:00:00+08:00", inside(1)),
        activity("C4", O3, V4, "dds", "2024-03-16T23:30:00", "2024-03-17T08:00:00", inside(4, 0.006), "H5"),
    ]
    complaints = [
        _complaint("K1", V1, "2024-03-04T08:00:00", "2024-03-04T10:00:00", "2024-03-05T08:00:00"),
        _complaint("K2", V1, "2024-03-10T08:00:00", "2024-03-11T09:00:00"),
        _complaint("K3", V1, "2024-03-16T20:00:00"),
        _complaint("K4", V1, "2024-02-20T08:00:00"),
        _complaint("K5", V1, "2024-02-25T08:00:00", "", "2024-03-17T23:00:00"),
        _complaint("K6", V1, "2024-03-01T08:00:00", "", "2024-03-18T01:00:00"),
        _complaint("K7", V4, "2024-03-17T23:30:00", "2024-03-18T00:30:00"),
        _complaint("K8", V4, "2024-03-17T16:30:00Z"),
    ]
    crimes = [
        _crime("X1", V1, "2024-03-05T10:00:00"), _crime("X2", V1, "2024-03-10T10:00:00"),
        _crime("X3", V1, "2024-03-17T23:00:00"), _crime("X4", V1, "2024-02-25T10:00:00"),
        _crime("X5", V2, "2024-03-06T10:00:00"),
        *[_crime(f"X{6 + i}", V3, f"2024-03-0{5 + i}T10:00:00") for i in range(4)],
        *[_crime(f"X{10 + i}", V3, f"2024-02-2{i}T10:00:00") for i in range(4)],
        *[_crime(f"X{14 + i}", V4, f"2024-02-2{i}T10:00:00") for i in range(4)],
        _crime("X18", V4, "2024-03-17T16:30:00Z"),  # 00:30 on the 18th in WITA: after the window
    ]
    return write_export(directory, units=base_units(), villages=villages, officers=officers,
                        assignments=assignments, leave=leave, outages=outages, activities=acts,
                        complaints=complaints, crimes=crimes)
