"""Every text quoting a policy value reads the policy in force; the definitions page speaks to users (AppTest)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from test_app import QUALITY_TABS, new_app, open_quality_tab

from components.i18n import TEXTS, fmt_amount, fmt_weekdays, wordings
from queries.scope import Scope, settings_policy

# Every value changed from the defaults (24 h, 200 m, 80 km/h, 30 days, 24 h, 7 days, 2 DDS, 4 h, Mon–Sat).
CHANGED = """
[policy]
reporting_weekdays = ["mon", "tue", "wed", "thu", "fri"]
late_after_hours = 36
gps_tolerance_m = 350
max_travel_kmh = 55
blind_spot_days = 21
complaint_response_sla_hours = 48
backlog_old_days = 10
dds_target_per_day = 3
outage_excuse_hours = 6
"""
# 44 days, so the window's own length ("(44 hari)") cannot be taken for the 30 blind-spot days.
WINDOW = (date(2022, 4, 2), date(2022, 5, 15))
# The defaults as the Indonesian texts wrote them; a digit or separator before the number is another number, and
# "30 hari wajib" counts an officer's reporting days.
OLD_DEFAULTS = [r"24 jam", r"200 m\b", r"80 km/jam", r"30 hari(?! wajib)", r"4 jam", r"2 × hari", r"2 kunjungan",
                r"Senin–Sabtu", r"> 7 hari", r"lebih dari 7 hari"]
OLD_PATTERN = re.compile("|".join(rf"(?<![\d.,]){old}" for old in OLD_DEFAULTS))
# A number with a unit, a comparison with a number, a multiple or a weekday written into a text.
QUOTED_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?(?:jam|hari|minggu|menit|km|m|h|hours?|days?|weeks?|minutes?)\b"
                           r"|[<>≤≥]\s?\d|\d\s?×|Senin|Sabtu|Monday|Saturday|20\d\d"
                           r"|(?:di atas|di bawah|lebih dari|kurang dari|above|below|more than|under|over)\s−?\d")


@pytest.fixture
def changed_policy(tmp_path, monkeypatch):
    """The dashboard under a policy file with every value changed (the settings policy is read once per process)."""
    path = tmp_path / "policy.toml"
    path.write_text(CHANGED, encoding="utf-8")
    monkeypatch.setenv("BOS_POLICY_FILE", str(path))
    settings_policy.cache_clear()
    yield settings_policy()
    settings_policy.cache_clear()


def open_page(url, monkeypatch, page, unit="PR-35.21", role="admin", query=None, lang="id"):
    """The page for a unit and WINDOW, signed in with a role (English: switched on the page)."""
    at = new_app(url, monkeypatch, username=f"u_{role}", role=role, unit=None if role == "admin" else unit)
    at.session_state["unit"] = unit
    at.session_state["window"] = WINDOW
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    if lang != "id":
        at.sidebar.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def main_texts(at) -> str:
    """What the reader sees in the page's main area: text, labels, help texts and table headers."""
    main = at.main
    parts = [e.value for kind in (main.title, main.header, main.subheader, main.markdown, main.caption, main.info,
                                  main.warning, main.success) for e in kind]
    parts += [text for m in main.metric for text in (m.label, m.proto.help)]
    parts += [e.label for e in main.expander]
    parts += [e.proto.help for e in main.date_input]
    parts += [str(column) for table in main.dataframe for column in table.value.columns]
    parts += [str(cell) for table in main.dataframe for column in table.value.columns if "Alasan" in str(column)
              for cell in table.value[column]]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # markdown escapes removed


def test_the_policy_file_reaches_the_fixture(changed_policy):
    assert changed_policy.late_after_hours == 36 and changed_policy.reporting_weekdays == (0, 1, 2, 3, 4)
    assert Scope("PR-35.21", *WINDOW).policy == changed_policy


@pytest.mark.parametrize(("page", "unit", "query", "expected"), [
    ("app_pages/ringkasan.py", "PR-35.21", None,
     ["(Senin–Jumat)", "≤ 36 jam", "(3 × hari wajib lapor)", "Tanggapan ≤ 48 jam", "dalam 48 jam",
      "dalam 21 hari terakhir periode", "melewati 48 jam"]),
    ("app_pages/kepatuhan.py", "PS-35.21.07", None,
     ["Hari wajib lapor: Senin–Jumat; gangguan server 6 jam", "lewat 36 jam"]),
    ("app_pages/pengaduan.py", "PR-35.21", None, ["Ditanggapi ≤ 48 jam", "lebih dari 10 hari", "Tunggakan > 10 hari"]),
    ("app_pages/peta.py", "PR-35.21", None, ["tanpa DDS 21 hari"]),
    ("app_pages/rapor.py", "PS-35.21.02", {"officer": "93061033"}, ["1 desa belum dikunjungi (DDS) 21 hari terakhir"]),
    ("app_pages/kualitas.py", "PS-35.21.07", None, []),
    ("app_pages/efektivitas.py", "PR-35.21", None, []),
    ("app_pages/definisi.py", "PR-35.21", None,
     ["| Senin–Jumat |", "| 36 jam |", "| 3 kunjungan per hari wajib lapor |", "| 6 jam |", "| 350 m |",
      "| 55 km/jam |", "| 21 hari |", "| 48 jam |", "| 10 hari |", "lebih dari 350 m di luar batas desa",
      "lebih dari 55 km/jam", "Tunggakan > 10 hari"]),
])
def test_pages_quote_the_policy_in_force(sample_sqlite_url, monkeypatch, changed_policy, page, unit, query,
                                         expected):
    at = open_page(sample_sqlite_url, monkeypatch, page, unit, query=query)
    text = main_texts(at)
    if page == "app_pages/kualitas.py":  # every tab reads its own lists when opened: read each
        text += "".join(main_texts(open_quality_tab(at, tab)) for tab in QUALITY_TABS[1:])
    assert [phrase for phrase in expected if phrase not in text] == []
    assert OLD_PATTERN.findall(text) == []


def test_flag_labels_and_scorecard_gaps_quote_the_policy(sample_sqlite_url, monkeypatch, changed_policy):
    at = open_quality_tab(open_page(sample_sqlite_url, monkeypatch, "app_pages/kualitas.py", "PS-35.21.07"), "flagged")
    labels = at.main.multiselect[0].options
    assert "terlambat > 36 jam" in labels
    from components.scorecard import gap_sentences

    facts = {"unvisited_villages": [], "missing_days": 0, "expected_days": 5, "late_reports": 2, "dds_visits": 15,
             "dds_target": 15, "dds_households": 15, "reports": 20, "missing_activities": [],
             "flag_counts": {"duplicate_narrative": 0, "duplicate_photo": 0, "gps_outside": 3, "gps_missing": 0,
                             "impossible_travel": 3, "time_inconsistent": 0}}
    sentences = "\n".join(gap_sentences(facts))
    assert "2 laporan terlambat lebih dari 36 jam." in sentences
    assert "(lebih dari 350 m)" in sentences and "(lebih dari 55 km/jam)" in sentences


def test_the_briefing_pack_quotes_the_policy_in_force(sample_sqlite_url, monkeypatch, changed_policy):
    from components.briefing import briefing_html

    new_app(sample_sqlite_url, monkeypatch)  # points the loaders at the sample and clears caches
    pack = briefing_html(Scope("PR-35.21", *WINDOW))
    assert "titik buta (tanpa DDS 21 hari)" in pack and "Pengaduan belum ditanggapi melewati 48 jam" in pack
    assert OLD_PATTERN.findall(re.sub(r"<[^>]+>", " ", pack)) == []


def test_the_definitions_page_in_english_quotes_the_policy(sample_sqlite_url, monkeypatch, changed_policy):
    text = main_texts(open_page(sample_sqlite_url, monkeypatch, "app_pages/definisi.py", unit=None, lang="en"))
    for phrase in ("| Monday–Friday |", "| 36 hours |", "| 350 m |", "| 55 km/h |", "| 21 days |", "| 48 hours |",
                   "| 10 days |", "| 3 visits per reporting day |", "| 6 hours |"):
        assert phrase in text
    for old in ("24 hours", "200 m", "80 km/h", "30 days", "Monday–Saturday", "4 hours"):
        assert old not in text


@pytest.mark.parametrize("role", ["polres", "trainer", "national"])
def test_the_definitions_page_shows_no_code_names_to_users(sample_sqlite_url, monkeypatch, role):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/definisi.py", role=role,
                   unit=None if role == "national" else "PR-35.21")
    text = main_texts(at)
    assert "Tingkat pelaporan" in text and "| Batas terlambat | 24 jam |" in text
    assert re.findall(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b", text) == []  # reporting_rate, BOS_POLICY_FILE, …
    assert [name for name in ("policy.toml", ".md", "manage.py", "export", "{", "}") if name in text] == []
    assert not at.main.expander


def test_the_admin_finds_the_technical_names_folded_away(sample_sqlite_url, monkeypatch):
    at = open_page(sample_sqlite_url, monkeypatch, "app_pages/definisi.py")
    [technical] = at.main.expander
    assert technical.label.startswith("Untuk staf teknis")
    folded = "\n".join(m.value for m in technical.markdown)
    assert "`policy.toml`" in folded and "`BOS_POLICY_FILE`" in folded and "`reporting_rate`" in folded
    assert "`late_after_hours`" in folded


def test_no_text_writes_a_policy_value_or_threshold_itself():
    """A number with a unit in a text is a copy that outlives a change of the policy: texts use {placeholders}."""
    formulas = {"eff.z_explained",  # "2 × (√after − √before)" is the formula, not a threshold
                "ew.method.last_28",  # a baseline's name: "the last 28 days" is what it is, not a setting
                "fu.closed_week_help"}  # the week starts on Monday (ISO), not on a reporting weekday
    quoted = {key: found for key in TEXTS if key not in formulas
              for found in [QUOTED_NUMBER.findall(" ".join(wordings(key)))] if found}
    assert quoted == {}


def test_weekdays_and_amounts_read_the_way_people_write_them():
    assert fmt_weekdays((0, 1, 2, 3, 4, 5)) == "Senin–Sabtu"
    assert fmt_weekdays((0, 2, 4)) == "Senin, Rabu, Jumat"
    assert fmt_weekdays((0, 1, 3, 4, 5, 6)) == "Senin, Selasa, Kamis–Minggu"
    assert fmt_amount(24.0) == "24" and fmt_amount(1.5) == "1,5" and fmt_amount(0.25) == "0,25"
