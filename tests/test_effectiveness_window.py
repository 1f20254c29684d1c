"""Effectiveness: windows never reach past the data, and crime is ranked by rate beside the count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_app import new_app
from test_officers import plotly_spec

from builders import base_export
from ingest.importer import import_export
from queries.db import make_engine
from queries.effectiveness import comparison_window, unit_counts, with_rates
from queries.scope import Scope

V1, V3 = "35.21.01.2001", "35.21.02.2003"  # Polsek A (555 residents with V2), Polsek B (296 residents)
DATA_END = date(2021, 6, 30)  # the export ends 57 days after the BOS V2 launch, long before launch + 365


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def cut_off_export(directory):
    """Polsek A: one crime every day from 5 May 2020 to the data's end (no change at all);
    Polsek B: one crime every day from the launch on 5 May 2021 (a real rise); one report on the last day."""
    crimes = [{"incident_id": f"A{day:%Y%m%d}", "village_code": V1, "category": "Curat",
               "occurred_at": f"{day}T10:00:00+07:00"} for day in days(date(2020, 5, 5), DATA_END)]
    crimes += [{"incident_id": f"B{day:%Y%m%d}", "village_code": V3, "category": "Curat",
                "occurred_at": f"{day}T10:00:00+07:00"} for day in days(date(2021, 5, 5), DATA_END)]
    assignments = [{"nrp": "80010001", "village_code": V1, "start_date": "2021-01-01", "end_date": ""}]
    activities = [{"report_id": "R1", "nrp": "80010001", "village_code": V1, "activity_type": "binluh",
                   "activity_at": "2021-06-30T09:00:00+07:00", "submitted_at": "2021-06-30T10:00:00+07:00",
                   "lat": -6.995, "lng": 110.005, "household_id": "", "narrative": "", "photo_sha256": ""}]
    return base_export(directory, assignments=assignments, activities=activities, crimes=crimes)


@pytest.fixture
def cut_off_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'cut.sqlite'}"
    engine = make_engine(url)
    assert import_export(engine, cut_off_export(tmp_path / "export")).ok
    engine.dispose()
    return url


def test_comparison_window_stays_inside_the_data():
    first, last = date(2020, 5, 5), DATA_END
    asked = Scope("PR-35.21", date(2021, 5, 5), date(2022, 5, 4))  # 365 days from the launch
    after = comparison_window(asked, first, last)
    # Cut at the data's last day: 5 May - 30 June 2021 is 27 + 30 = 57 days; "before" is as long.
    assert (after.start, after.end, after.days) == (date(2021, 5, 5), DATA_END, 57)
    assert (after.previous().start, after.previous().end) == (date(2021, 3, 9), date(2021, 5, 4))
    # Cut at the data's first day: only 10 days of data before 15 May 2020, so both windows are 10 days.
    early = comparison_window(Scope(None, date(2020, 5, 15), date(2020, 6, 13)), first, last)
    assert (early.start, early.end, early.previous().start) == (date(2020, 5, 15), date(2020, 5, 24), first)
    # Inside the data nothing changes; without a day of data before the reference date, no comparison.
    inside = Scope(None, date(2021, 3, 1), date(2021, 3, 30))
    assert comparison_window(inside, first, last) == inside
    assert comparison_window(Scope(None, first, first + timedelta(days=29)), first, last) is None


def test_no_real_change_is_called_on_days_without_data(cut_off_url):
    engine = make_engine(cut_off_url)
    asked = Scope("PR-35.21", date(2021, 5, 5), date(2022, 5, 4))
    with engine.connect() as conn:
        naive = with_rates(unit_counts(conn, asked, "polsek")).set_index("unit_code")
        fair = with_rates(unit_counts(conn, comparison_window(asked, date(2020, 5, 5), DATA_END),
                                      "polsek")).set_index("unit_code")
    engine.dispose()
    # The 365-day windows: Polsek A 365 crimes before, 57 after (the export ends): a bogus "fall" of z -23.1.
    assert (naive.loc["PS-A", "crimes_previous"], naive.loc["PS-A", "crimes"]) == (365, 57)
    assert naive.loc["PS-A", "crime_change_z"] == pytest.approx(2 * (57 ** 0.5 - 365 ** 0.5))
    # The 57-day windows inside the data: 57 and 57, z 0; Polsek B's rise from 0 to 57 stays real.
    assert (fair.loc["PS-A", "crimes_previous"], fair.loc["PS-A", "crimes"], fair.loc["PS-A", "crime_change_z"]) \
        == (57, 57, 0.0)
    assert fair.loc["PS-B", "crime_change_z"] == pytest.approx(2 * 57 ** 0.5)


def test_the_page_compares_only_days_with_data_and_says_so(cut_off_url, monkeypatch):
    at = new_app(cut_off_url, monkeypatch)
    at.session_state["unit"] = "PR-35.21"
    at.run()
    at.switch_page("app_pages/efektivitas.py").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    # The header names the period the table uses, not the sidebar's or the one asked for.
    assert captions[0] == "Polres Ngawi · 5 Mei 2021 – 30 Juni 2021 (57 hari) · dibandingkan dengan 9 Maret 2021 – " \
                          "4 Mei 2021"
    assert "Sebelum: 9 Maret 2021 – 4 Mei 2021 · Sesudah: 5 Mei 2021 – 30 Juni 2021" in captions
    assert any(w.value.startswith("Data tersedia 5 Mei 2020 – 30 Juni 2021: kedua periode dipendekkan menjadi "
                                  "57 hari (diminta 365 hari)") for w in at.warning)
    table = at.dataframe[0].value.set_index("Satuan")
    assert table.loc["Polsek A", "Sebelum"] == 57 and table.loc["Polsek A", "Sesudah"] == 57
    assert table.loc["Polsek A", "Perubahan z"] == "0,0 · tidak berubah nyata"
    assert table.loc["Polsek B", "Perubahan z"] == "▲ 15,1 · naik nyata"  # 2 × √57
    # The trend runs from the before window's month to the data's last month, not to May 2022.
    trend = plotly_spec(at, "crime_trend")
    months = sorted({month for trace in trend["data"] for month in trace["x"]})
    assert (months[0], months[-1]) == ("2021-03", "2021-06")


def test_crime_is_ranked_by_rate_and_by_count(cut_off_url, monkeypatch):
    at = new_app(cut_off_url, monkeypatch)
    at.session_state["unit"] = "PR-35.21"
    at.run()
    at.switch_page("app_pages/efektivitas.py").run()
    table = at.dataframe[0].value
    # 57 crimes each: by count both rank 1; per 10,000 residents B (57 / 296 → 1.925,7) before A (57 / 555 → 1.027,0).
    assert list(table["Satuan"]) == ["Polsek B", "Polsek A"]
    assert list(table["Peringkat (per 10 rb penduduk)"]) == ["ke-1 tertinggi dari 2", "ke-2 tertinggi dari 2"]
    assert list(table["Peringkat (jumlah)"]) == ["ke-1 tertinggi dari 2", "ke-1 tertinggi dari 2"]
    assert list(table["Kejahatan /10rb"]) == pytest.approx([57 / 296 * 10_000, 57 / 555 * 10_000])
