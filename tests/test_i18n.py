"""Every text the code asks for exists in both languages, with the same placeholders; numbers, dates and plurals
read the way each language writes them (CLDR through Babel)."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from components.i18n import (
    TEXTS,
    babel_locale,
    fmt_amount,
    fmt_date,
    fmt_int,
    fmt_local_moment,
    fmt_moment,
    fmt_month,
    fmt_num,
    fmt_pct,
    fmt_time,
    fmt_weekdays,
    number_separators,
    t,
    t_count,
    t_plural,
    wordings,
)
from conftest import PROJECT_DIR

LITERAL_KEY = re.compile(r"""\bt\(\s*"([a-z0-9_.]+)\"""")
PLURAL_KEY = re.compile(r"""\bt_(?:plural|count)\(\s*f?"([a-z0-9_.{}]+)\"""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def sources() -> list[str]:
    paths = [p for folder in ("components", "app_pages") for p in (PROJECT_DIR / folder).glob("*.py")]
    return [path.read_text(encoding="utf-8") for path in paths + [PROJECT_DIR / "dashboard.py"]]


def test_every_literal_key_exists():
    used = {key for source in sources() for key in LITERAL_KEY.findall(source)}
    assert used, "no keys found: the pattern is wrong"
    assert sorted(used - set(TEXTS)) == []


def test_texts_with_plural_forms_are_asked_for_with_their_count():
    plural = {key for key, texts in TEXTS.items() if any(isinstance(text, dict) for text in texts)}
    asked_plainly = {key for source in sources() for key in LITERAL_KEY.findall(source)}
    assert sorted(plural & asked_plainly) == []  # t() on them raises: they need a count
    counted = {key for source in sources() for key in PLURAL_KEY.findall(source)}
    assert "score.flagged_total" in counted and "alert.{kind}" in counted
    assert sorted(key for key in counted - set(TEXTS) if "{" not in key) == []


def test_both_languages_say_the_same_thing():
    for key, texts in TEXTS.items():
        forms = wordings(key)
        assert all(form.strip() for form in forms), key
        assert len({frozenset(placeholders(form)) for form in forms}) == 1, key
        for lang, text in zip(("id", "en"), texts, strict=True):
            if isinstance(text, dict):  # only the categories CLDR knows for the language, "other" always
                assert "other" in text and set(text) <= babel_locale(lang).plural_form.tags | {"other"}, key


def test_every_activity_type_and_flag_has_a_label():
    from queries.flags import FLAG_NAMES
    from queries.schema import ACTIVITY_TYPES

    assert all(f"activity.{kind}" in TEXTS for kind in ACTIVITY_TYPES)
    assert all(f"flag.{name}" in TEXTS for name in FLAG_NAMES)
    assert all(f"gap.{name}" in TEXTS for name in FLAG_NAMES if name != "late")


@pytest.fixture(params=["id", "en"])
def lang(request, monkeypatch):
    monkeypatch.setattr("components.i18n.language", lambda: request.param)
    return request.param


def test_whole_numbers_are_grouped_rounded_and_never_crash(lang):
    expected = {"id": ("1.234.567", "-1.234.567", "100.000.000.000.000.000.000", "1.014"),
                "en": ("1,234,567", "-1,234,567", "100,000,000,000,000,000,000", "1,014")}[lang]
    assert (fmt_int(1234567), fmt_int(-1234567), fmt_int(10 ** 20), fmt_int(np.int64(1014))) == expected
    assert fmt_int(0) == "0" and fmt_int(2.7) == "3"  # rounded, no longer cut to 2
    assert fmt_int(-0.4) == "0"  # not "-0"
    for undefined in (None, float("nan"), np.nan, pd.NA, float("inf"), -np.inf):
        assert fmt_int(undefined) == "–"  # infinity raised OverflowError before


def test_decimals_use_the_languages_separators(lang):
    expected = {"id": ("1.234,5", "-1.234,6", "1.000.000.000,00", "2,68", "0,0"),
                "en": ("1,234.5", "-1,234.6", "1,000,000,000.00", "2.68", "0.0")}[lang]
    # 2.675 is rounded as written (half to even: 2.68), not as the binary float 2.67499… would be.
    assert (fmt_num(1234.5), fmt_num(-1234.56), fmt_num(1e9, 2), fmt_num(2.675, 2), fmt_num(0)) == expected
    assert fmt_num(-0.04) == fmt_num(0) and fmt_num(-0.05) == fmt_num(0)  # "-0,0" was shown before
    assert fmt_num(-0.06) == {"id": "-0,1", "en": "-0.1"}[lang]
    assert fmt_num(None) == fmt_num(float("nan")) == fmt_num(float("inf")) == "–"  # "inf" was shown before


def test_percentages(lang):
    comma = lang == "id"
    assert fmt_pct(0.835) == ("83,5%" if comma else "83.5%")
    assert fmt_pct(0.8) == ("80,0%" if comma else "80.0%")
    assert fmt_pct(-0.125) == ("-12,5%" if comma else "-12.5%")
    assert fmt_pct(12.345) == ("1.234,5%" if comma else "1,234.5%")
    assert fmt_pct(0) == ("0,0%" if comma else "0.0%") and fmt_pct(-0.0004) == fmt_pct(0)
    # 0.835 is 83.5 %, which rounds to 84 %; multiplying the float by 100 gave 83.49999999999999, "83%".
    assert fmt_pct(0.835, 0) == "84%" and fmt_pct(0.5, 0, sign=False) == "50"
    assert fmt_pct(0.835, sign=False) == ("83,5" if comma else "83.5")
    assert fmt_pct(None) == fmt_pct(float("nan")) == "–"


def test_amounts_drop_trailing_zeros(lang):
    assert fmt_amount(24.0) == "24" and fmt_amount(0.999) == "1"  # "1," before
    assert (fmt_amount(1.5), fmt_amount(0.25), fmt_amount(1234.5), fmt_amount(-2.50)) == {
        "id": ("1,5", "0,25", "1.234,5", "-2,5"), "en": ("1.5", "0.25", "1,234.5", "-2.5")}[lang]


def test_dates_months_and_moments(lang):
    indonesian = lang == "id"
    assert fmt_date(date(2021, 5, 5)) == ("5 Mei 2021" if indonesian else "5 May 2021")
    assert fmt_date(date(2022, 12, 31)) == ("31 Desember 2022" if indonesian else "31 December 2022")
    assert fmt_date(pd.Timestamp("2021-02-01")) == ("1 Februari 2021" if indonesian else "1 February 2021")
    assert fmt_month(date(2022, 8, 17)) == ("Agustus 2022" if indonesian else "August 2022")
    assert fmt_month(date(2021, 11, 1)) == "November 2021"
    assert fmt_moment(datetime(2022, 1, 1, 0, 5)) == ("1 Januari 2022 00.05" if indonesian else "1 January 2022 00:05")
    assert fmt_moment(datetime(2022, 4, 18, 20, 39)) == ("18 April 2022 20.39" if indonesian
                                                         else "18 April 2022 20:39")  # 24-hour, not "8:39 PM"
    assert fmt_time(datetime(2022, 4, 18, 8, 39)) == ("08.39" if indonesian else "08:39")  # always "08.39" before
    # Stored naive UTC, shown in the zone's time: WIB is UTC+7, WIT UTC+9.
    assert fmt_local_moment(datetime(2022, 5, 16, 17, 30), "Asia/Jakarta") == (
        "17 Mei 2022 00.30 WIB" if indonesian else "17 May 2022 00:30 WIB")
    assert fmt_local_moment(datetime(2022, 5, 16, 17, 30, tzinfo=UTC), "Asia/Jayapura") == (
        "17 Mei 2022 02.30 WIT" if indonesian else "17 May 2022 02:30 WIT")
    for undefined in (None, pd.NaT, float("nan")):  # fmt_date(None) raised AttributeError before
        assert fmt_date(undefined) == fmt_month(undefined) == fmt_moment(undefined) == fmt_time(undefined) == "–"
        assert fmt_local_moment(undefined, "Asia/Jakarta") == "–"


def test_weekdays_and_chart_separators(lang):
    assert fmt_weekdays((0, 1, 2, 3, 4, 5)) == ("Senin–Sabtu" if lang == "id" else "Monday–Saturday")
    assert fmt_weekdays((4, 6)) == ("Jumat, Minggu" if lang == "id" else "Friday, Sunday")
    assert number_separators() == {"id": ",.", "en": ".,"}[lang]  # plotly's order: decimal, then group


def test_counts_agree_with_their_noun(lang):
    said = [t_count("score.flagged_total", n) for n in (0, 1, 2, 1000)]
    assert said == {"id": ["0 laporan", "1 laporan", "2 laporan", "1.000 laporan"],
                    "en": ["0 reports", "1 report", "2 reports", "1,000 reports"]}[lang]
    assert t_count("score.flagged_total", np.int64(1)) == t_count("score.flagged_total", 1)
    assert t_plural("eff.days", 1, days="1") == ("1 hari" if lang == "id" else "1 day")
    assert t_plural("eff.days", 21, days="21") == ("21 hari" if lang == "id" else "21 days")  # CLDR en: 21 is other
    assert t_plural("eff.days", float("nan"), days="–") == ("– hari" if lang == "id" else "– days")
    assert t_plural("app.name", 1) == t("app.name")  # a text without forms reads as with t()
    with pytest.raises(TypeError, match="t_plural"):
        t("score.flagged_total", count="1")


def test_a_scorecard_with_one_of_each_gap_says_so_in_the_singular(lang):
    from components.scorecard import gap_sentences

    flags = dict.fromkeys(("duplicate_narrative", "duplicate_photo", "gps_outside", "gps_missing",
                           "impossible_travel", "time_inconsistent"), 0)
    facts = {"unvisited_villages": ["Dero"], "missing_days": 1, "expected_days": 1, "late_reports": 1,
             "dds_target": 2, "dds_visits": 1, "dds_households": 1, "flag_counts": {**flags, "gps_missing": 1},
             "reports": 1, "missing_activities": []}
    assert gap_sentences(facts) == {
        "id": ["1 desa belum dikunjungi (DDS) 30 hari terakhir: Dero.", "1 dari 1 hari wajib lapor tanpa laporan.",
               "1 laporan terlambat lebih dari 24 jam.", "Kunjungan DDS 1 dari target 2.",
               "1 laporan tanpa titik GPS."],
        "en": ["1 village without a DDS visit in the last 30 days: Dero.", "1 of 1 expected day without a report.",
               "1 report sent more than 24 hours late.", "1 DDS visit against a target of 2.",
               "1 report without a GPS point."]}[lang]
    facts.update(unvisited_villages=["Dero", "Kedung"], missing_days=2, expected_days=3, late_reports=2,
                 dds_visits=0, flag_counts={**flags, "gps_missing": 2}, reports=2)
    assert gap_sentences(facts)[:4] == {
        "id": ["2 desa belum dikunjungi (DDS) 30 hari terakhir: Dero, Kedung.",
               "2 dari 3 hari wajib lapor tanpa laporan.", "2 laporan terlambat lebih dari 24 jam.",
               "Kunjungan DDS 0 dari target 2."],
        "en": ["2 villages without a DDS visit in the last 30 days: Dero, Kedung.",
               "2 of 3 expected days without a report.", "2 reports sent more than 24 hours late.",
               "0 DDS visits against a target of 2."]}[lang]
