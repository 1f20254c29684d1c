"""Every user-facing text, in Bahasa Indonesia (default) and English, plus number and date formats."""

from __future__ import annotations

import dataclasses
import numbers
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from babel import Locale
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern
from babel.numbers import parse_pattern as parse_number_pattern

from queries.alerts import DIP_LOOKBACK_WEEKS, DIP_SHARE
from queries.policy import (
    BOS_V2_LAUNCH,
    HOTSPOT_ALPHA,
    HOTSPOT_MONTHS,
    HOTSPOT_MOST_MONTHS,
    LIGHT_RED_BELOW,
    REAL_CHANGE_Z,
    SILENT_DAYS,
    Policy,
)
from queries.scope import settings_policy

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
MISSING = "–"  # what an undefined number or date reads as
# "5 Mei 2021" / "5 May 2021": day first in both languages (CLDR en's own long date is American, "May 5, 2021").
DATE_PATTERN = "d MMMM y"
# The digits part of a CLDR number pattern ("#,##0.###" in "#,##0.###", "#,##0" in "#,##0%").
PATTERN_DIGITS = re.compile(r"[#,0]*0(?:\.[0#]*)?")
# Placeholders any text may use without its caller passing them: the values of the policy in force and the
# fixed thresholds, so no text can go on quoting a value after it has changed.
QUOTED = frozenset(f.name for f in dataclasses.fields(Policy)) | {
    "silent_days", "real_change_z", "bos_v2_launch", "light_red_below", "dip_share", "dip_lookback_weeks",
    "hotspot_months", "hotspot_most_months", "hotspot_alpha"}

# key: (Indonesian, English). A text quoting a count holds its plural forms as a dict of CLDR categories
# ({"one": …, "other": …}), read with t_plural; Indonesian has no plural forms.
TEXTS: dict[str, tuple[str | dict[str, str], str | dict[str, str]]] = {
    "app.name": ("Dasbor Binmas", "Binmas Dashboard"),
    "app.subtitle": ("Bhabinkamtibmas · BOS V2", "Bhabinkamtibmas · BOS V2"),
    "nav.overview": ("Ringkasan", "Overview"),
    # -- Peringatan Dini (issue 19): page, Prioritas DDS, briefing section (branch early-warning-page)
    "nav.early_warning": ("Peringatan Dini", "Early Warning"),
    "ew.title": ("Peringatan Dini", "Early Warning"),
    "ew.no_run": ("Belum ada perkiraan tersimpan. Admin dapat menghitungnya dengan `python manage.py forecast`; "
                  "halaman ini lalu menampilkan desa yang paling berisiko, hot spot yang muncul, dan Prioritas DDS.",
                  "No forecast has been stored yet. An admin can compute one with `python manage.py forecast`; this "
                  "page then shows the villages most at risk, emerging hot spots and the DDS priorities."),
    "ew.run": ("Perkiraan kejadian untuk {days} hari setelah {as_of} (data sampai tanggal itu saja) · dihitung {computed}",
               "Incidents expected in the {days} days after {as_of} (using data up to that date only) · "
               "computed {computed}"),
    "ew.stale": ("Perkiraan ini dihitung dengan data sampai {as_of}, padahal data sudah ada sampai {last}. "
                 "Minta admin menjalankan `python manage.py forecast` lagi.",
                 "This forecast uses data up to {as_of}, but the data now reach {last}. "
                 "Ask an admin to run `python manage.py forecast` again."),
    "ew.not_in_run": ("Perkiraan terakhir belum memuat desa {scope}: desanya diimpor sesudah perkiraan dihitung.",
                      "The latest forecast has no village of {scope} yet: its villages were imported after it was "
                      "computed."),
    "ew.backtest": ("Seberapa tepat perkiraan ini di masa lalu", "How well this forecast did in the past"),
    "ew.overall": ("Seluruh data", "All data"),
    "ew.verdict.none": ("Backtest tidak menilai wilayah ini secara terpisah.",
                        "The backtest did not score this area on its own."),
    "ew.verdict.beats": ("Model mengalahkan baseline terbaik ({baseline}) sebesar {improvement} pada deviance "
                         "Poisson (rata-rata {origins} titik awal backtest: {model} lawan {best}).",
                         "The model beats the best baseline ({baseline}) by {improvement} on Poisson deviance "
                         "(mean over {origins} backtest origins: {model} against {best})."),
    "ew.verdict.loses": ("Model tidak lebih baik dari baseline terbaik ({baseline}) pada deviance Poisson "
                         "(rata-rata {origins} titik awal backtest: {model} lawan {best}).",
                         "The model is no better than the best baseline ({baseline}) on Poisson deviance "
                         "(mean over {origins} backtest origins: {model} against {best})."),
    "ew.shown.model": ("Yang ditampilkan: perkiraan model, karena secara keseluruhan model mengalahkan baseline "
                       "terbaik.", "Shown: the model's forecast, since overall it beats the best baseline."),
    "ew.shown.baseline": ("Yang ditampilkan: {method}, baseline terbaik — secara keseluruhan model tidak "
                          "mengalahkannya.", "Shown: {method}, the best baseline — overall the model does not "
                          "beat it."),
    "ew.method.model": ("model", "model"),
    "ew.method.last_28": ("28 hari terakhir", "last 28 days"),
    "ew.method.mean_12m": ("rata-rata 12 bulan", "mean of 12 months"),
    "ew.method.last_year": ("periode yang sama tahun lalu", "same period last year"),
    "ew.backtest_numbers": ("Angka backtest: PAI, hit rate dan deviance", "Backtest numbers: PAI, hit rate and deviance"),
    "ew.backtest_explained": ("Setiap titik awal: model dilatih hanya dengan data sebelumnya lalu memperkirakan {days} hari "
                              "berikutnya. PAI = bagian kejadian di desa sasaran ÷ bagian desa yang disasar (lebih "
                              "tinggi lebih baik); hit rate = bagian kejadian yang jatuh di desa sasaran (5, 10, 20 % "
                              "desa teratas); deviance Poisson rata-rata per desa (lebih rendah lebih baik).",
                              "At each origin the model is fitted on the past only and forecasts the next {days} days. "
                              "PAI = share of incidents in the targeted villages ÷ share of villages targeted (higher "
                              "is better); hit rate = share of incidents that fell in the targeted villages (top 5, "
                              "10, 20 % of villages); mean Poisson deviance per village (lower is better)."),
    "ew.col.method": ("Metode", "Method"),
    "ew.col.pai_5": ("PAI 5 %", "PAI 5 %"),
    "ew.col.pai_10": ("PAI 10 %", "PAI 10 %"),
    "ew.col.pai_20": ("PAI 20 %", "PAI 20 %"),
    "ew.col.hit_rate_5": ("Hit rate 5 %", "Hit rate 5 %"),
    "ew.col.hit_rate_10": ("Hit rate 10 %", "Hit rate 10 %"),
    "ew.col.hit_rate_20": ("Hit rate 20 %", "Hit rate 20 %"),
    "ew.col.deviance": ("Deviance Poisson", "Poisson deviance"),
    "ew.col.risk_rank": ("Peringkat risiko", "Risk rank"),
    "ew.col.name": ("Desa/kelurahan", "Village"),
    "ew.col.polsek": ("Polsek", "Polsek"),
    "ew.col.expected_crimes": ("Perkiraan kejadian", "Expected incidents"),
    "ew.col.lower": ("Batas bawah (90 %)", "Lower bound (90 %)"),
    "ew.col.upper": ("Batas atas (90 %)", "Upper bound (90 %)"),
    "ew.col.hotspot": ("Kelas hot spot", "Hot-spot class"),
    "ew.class.top": ("{share} teratas", "top {share}"),
    "ew.class.band": ("{low}–{high}", "{low}–{high}"),
    "ew.class.rest": ("lainnya", "the rest"),
    "ew.hotspot.new": ("baru", "new"),
    "ew.hotspot.intensifying": ("menguat", "intensifying"),
    "ew.hotspot.persistent": ("menetap", "persistent"),
    "ew.hotspot.diminishing": ("melemah", "diminishing"),
    "ew.hotspot.sporadic": ("sporadis", "sporadic"),
    "ew.hotspot.none": ("bukan hot spot", "not a hot spot"),
    "ew.tooltip": ("{village}\n{polsek}\nPeringkat risiko: {rank}\nPerkiraan kejadian: {expected} ({lower}–{upper})\n"
                   "Hot spot: {hotspot}", "{village}\n{polsek}\nRisk rank: {rank}\nExpected incidents: {expected} "
                   "({lower}–{upper})\nHot spot: {hotspot}"),
    "ew.risk_map": ("Peta risiko (peringkat dalam wilayah ini)", "Risk map (rank within this area)"),
    "ew.hotspot_map": ("Hot spot yang muncul", "Emerging hot spots"),
    "ew.hotspot_explained": ("Hot spot: Getis-Ord Gi* tiap bulan atas angka kejadian desa dan tetangganya, dengan "
                             "uji tren Mann-Kendall; kelas menurut taksonomi emerging hot spot yang dipakai analis "
                             "kriminal.", "Hot spots: Getis-Ord Gi* per month over the incidents of a village and its "
                             "neighbours, with a Mann-Kendall trend test; classes follow the emerging hot-spot "
                             "taxonomy crime analysts use."),
    "ew.table": ("Desa, risiko tertinggi dulu", "Villages, highest risk first"),
    "ew.priorities": ("Prioritas DDS", "DDS priorities"),
    "ew.week": ("Minggu {start} – {end}", "Week {start} – {end}"),
    "ew.rule": ("Urutan: perkiraan kejadian × (1 − cakupan DDS {days} hari terakhir); desa tanpa jumlah rumah "
                "tangga dihitung belum dikunjungi. Daftar: {share} desa teratas (paling sedikit {minimum}).",
                "Order: expected incidents × (1 − DDS coverage of the last {days} days); a village without a "
                "household count counts as unvisited. The list: the top {share} of villages (at least {minimum})."),
    "ew.rule_short": ("Urutan: perkiraan kejadian × (1 − cakupan DDS {days} hari)",
                      "Order: expected incidents × (1 − DDS coverage of {days} days)"),
    "ew.as_of": ("data sampai {as_of}", "data up to {as_of}"),
    "ew.share": ("Daftar ini mencakup {share} dari perkiraan kejadian {scope}.",
                 "This list covers {share} of the incidents expected in {scope}."),
    "ew.share_none": ("Tidak ada kejadian yang diperkirakan di {scope}.", "No incidents are expected in {scope}."),
    "ew.no_priorities": ("Tidak ada desa yang perlu diprioritaskan: tidak ada kejadian yang diperkirakan di desa "
                         "yang belum terkunjungi.", "No village needs priority: no incidents are expected in "
                         "villages not yet visited."),
    "ew.pcol.priority": ("No.", "No."),
    "ew.pcol.name": ("Desa/kelurahan", "Village"),
    "ew.pcol.polsek": ("Polsek", "Polsek"),
    "ew.pcol.officers": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "ew.pcol.expected_crimes": ("Perkiraan kejadian", "Expected incidents"),
    "ew.pcol.coverage_pct": ("Cakupan DDS {days} hari", "DDS coverage, {days} days"),
    "ew.pcol.score": ("Nilai prioritas", "Priority score"),
    "ew.pcol.visited": ("Rumah tangga dikunjungi", "Households visited"),
    "ew.no_officer": ("Tanpa Bhabinkamtibmas", "No Bhabinkamtibmas"),
    "ew.text_line": ("{priority}. {village} — perkiraan {expected} kejadian, cakupan {coverage}",
                     "{priority}. {village} — {expected} incidents expected, coverage {coverage}"),
    "ew.pick_polsek": ("Daftar cetak untuk Polsek", "Printable list for Polsek"),
    "ew.print": ("Unduh daftar cetak (A4)", "Download the printable list (A4)"),
    "ew.chat": ("Versi singkat untuk grup obrolan (salin dengan tombol di pojok kanan):",
                "A short version for a chat group (copy it with the button in the corner):"),
    "ew.chat_download": ("Unduh sebagai teks", "Download as text"),
    "ew.briefing.heading": ("Peringatan dini", "Early warning"),
    "ew.briefing.top": ("Desa dengan risiko tertinggi", "Villages most at risk"),
    "ew.briefing.hot": ("Hot spot baru atau menguat", "New or intensifying hot spots"),
    "ew.briefing.no_hot": ("Tidak ada hot spot baru atau menguat.", "No new or intensifying hot spot."),
    "chart.as_table": ("Lihat angka grafik ini sebagai tabel", "See this chart's numbers as a table"),
    "chart.x": ("Kategori", "Category"),
    "chart.month": ("Bulan", "Month"),
    "chart.date": ("Tanggal", "Date"),
    "chart.value": ("Nilai", "Value"),
    "chart.row": ("Baris", "Row"),
    "chart.point": ("Titik", "Point"),
    "chart.bin_from": ("Dari", "From"),
    "chart.bin_to": ("Sampai", "To"),
    "chart.count": ("Jumlah", "Count"),
    "nav.definitions": ("Definisi angka", "Definitions"),
    "definitions.technical": ("Untuk staf teknis: nama kolom ekspor dan berkas aturan",
                              "For technical staff: export column names and the rules file"),
    "definitions.light.measure": ("Angka", "Number"),
    "definitions.light.green": ("Hijau (baik)", "Green (good)"),
    "definitions.light.amber": ("Kuning (perlu perhatian)", "Amber (watch)"),
    "definitions.light.red": ("Merah dan ⚠", "Red and ⚠"),
    "definitions.light.from": ("{value} atau lebih", "{value} or more"),
    "definitions.light.between": ("{low} sampai di bawah {high}", "{low} to under {high}"),
    "definitions.light.below": ("di bawah {value}", "under {value}"),
    "definitions.light.days_green": ("kurang dari {days} hari", "under {days} days"),
    "definitions.light.days_amber": ("{low} sampai {high} hari", "{low} to {high} days"),
    "definitions.light.days_red": ("{days} hari atau lebih, atau belum pernah melapor",
                                   "{days} days or more, or never reported"),
    "sidebar.language": ("Bahasa", "Language"),
    "sidebar.unit": ("Satuan", "Unit"),
    "sidebar.polda": ("Polda", "Polda"),
    "sidebar.polres": ("Polres", "Polres"),
    "sidebar.polsek": ("Polsek", "Polsek"),
    "sidebar.all_polda": ("Semua Polda (nasional)", "All Polda (national)"),
    "sidebar.all_polres": ("Semua Polres", "All Polres"),
    "sidebar.all_polsek": ("Semua Polsek", "All Polsek"),
    "sidebar.window": ("Periode", "Period"),
    "sidebar.window_help": (
        "Tanggal awal dan akhir (tanggal lokal desa). Bawaan: {days} hari terakhir yang ada datanya.",
        "First and last day (village local dates). Default: the last {days} days with data.",
    ),
    "sidebar.window_incomplete": ("Pilih tanggal akhir periode.", "Pick the last day of the period."),
    "sidebar.data_range": ("Data tersedia: {first} – {last}", "Data available: {first} – {last}"),
    "empty.no_data": (
        "Belum ada data di basis data ini. Muat data contoh dengan `python manage.py load-sample` "
        "atau impor ekspor BOS dengan `python manage.py import FOLDER`.",
        "There is no data in this database yet. Load the sample with `python manage.py load-sample` "
        "or import a BOS export with `python manage.py import FOLDER`.",
    ),
    "empty.window": ("Tidak ada kegiatan di {scope} pada periode ini.", "No activities in {scope} in this period."),
    "scope.national": ("Nasional", "National"),
    "scope.caption": ("{scope} · {start} – {end} ({days} hari)",
                      {"one": "{scope} · {start} – {end} ({days} day)",
                       "other": "{scope} · {start} – {end} ({days} days)"}),
    "overview.title": ("Ringkasan", "Overview"),
    "overview.compared": ("dibandingkan dengan {start} – {end}", "compared with {start} – {end}"),
    "overview.counts": ("{officers} Bhabinkamtibmas · {villages} · {activities} · {complaints} dalam periode",
                        "{officers} Bhabinkamtibmas · {villages} · {activities} · {complaints} in the period"),
    "overview.count.villages": ("{count} desa/kelurahan", {"one": "{count} village", "other": "{count} villages"}),
    "overview.count.activities": ("{count} laporan kegiatan", {"one": "{count} activity report",
                                                               "other": "{count} activity reports"}),
    "overview.count.complaints": ("{count} pengaduan", {"one": "{count} complaint", "other": "{count} complaints"}),
    "overview.worsened": ("Apa yang memburuk", "What got worse"),
    "overview.worsened_help": (
        "Tiap satuan bawahan dan ukuran yang lebih buruk daripada periode sebelumnya, yang paling jelas memburuk "
        "lebih dulu. z = perubahan dibagi simpangan bakunya bila tidak ada perubahan sungguhan: di atas "
        "{real_change_z} berarti nyata, bukan kebetulan; perubahan dari angka kecil tidak melonjak seperti "
        "persentase.",
        "Each subordinate unit and measure that is worse than in the previous period, the clearest worsening "
        "first. z = the change divided by its standard deviation if nothing really changed: above "
        "{real_change_z} means real, not chance; changes in small numbers do not swing it the way a percentage "
        "does."),
    "overview.worsened_none": ("Tidak ada satuan bawahan yang memburuk dibanding periode sebelumnya.",
                               "No subordinate unit got worse than in the previous period."),
    "worse.col.previous": ("Sebelumnya", "Previous"),
    "worse.col.current": ("Sekarang", "Now"),
    "worse.col.change": ("Perubahan", "Change"),
    "worse.col.worse_z": ("Seberapa jelas (z)", "How clear (z)"),
    "overview.alerts": ("Perlu tindakan minggu ini", "Needs action this week"),
    "overview.rankings.polda": ("Peringkat Polda", "Polda ranking"),
    "overview.rankings.polres": ("Peringkat Polres", "Polres ranking"),
    "overview.rankings.polsek": ("Peringkat Polsek", "Polsek ranking"),
    "overview.rankings.officer": ("Peringkat Bhabinkamtibmas", "Bhabinkamtibmas ranking"),
    "overview.drill_hint": ("Pilih satu baris untuk membuka satuan itu.", "Select a row to open that unit."),
    "overview.officer_hint": ("Angka tiap Bhabinkamtibmas Polsek ini dalam periode.",
                              "Each Bhabinkamtibmas of this Polsek over the period."),
    "overview.no_children": ("Tidak ada satuan di bawah cakupan ini.", "There are no units below this scope."),
    "empty.scope": ("{scope} belum punya desa atau Bhabinkamtibmas di basis data.",
                    "{scope} has no villages or Bhabinkamtibmas in the database yet."),
    "kpi.points": ("poin", "pts"),
    "kpi.reporting_rate": ("Tingkat pelaporan", "Reporting rate"),
    "kpi.reporting_rate.help": ("Hari melapor ÷ hari wajib lapor ({reporting_weekdays}) seluruh petugas. "
                                "Periode sebelumnya: {previous}.",
                                "Reported days ÷ expected days ({reporting_weekdays}) of all officers. "
                                "Previous period: {previous}."),
    "kpi.on_time_rate": ("Laporan tepat waktu", "On-time reporting"),
    "kpi.on_time_rate.help": ("Hari dengan laporan terkirim ≤ {late_after_hours} jam ÷ hari wajib lapor. "
                              "Sebelumnya: {previous}.",
                              "Days with a report sent within {late_after_hours} h ÷ expected days. "
                              "Previous: {previous}."),
    "kpi.coverage": ("Cakupan DDS", "DDS coverage"),
    "kpi.coverage.help": ("Rumah tangga dikunjungi ÷ rumah tangga (desa yang jumlahnya diketahui). "
                          "Sebelumnya: {previous}.",
                          "Households visited ÷ households (villages with a known count). Previous: {previous}."),
    "kpi.dds_attainment": ("Capaian target DDS", "DDS target attainment"),
    "kpi.dds_attainment.help": ("Kunjungan DDS ÷ ({dds_target_per_day} × hari wajib lapor). Sebelumnya: {previous}.",
                                "DDS visits ÷ ({dds_target_per_day} × expected days). Previous: {previous}."),
    "kpi.sla_rate": ("Tanggapan ≤ {complaint_response_sla_hours} jam", "Answered ≤ {complaint_response_sla_hours} h"),
    "kpi.sla_rate.help": ("Pengaduan dalam periode yang ditanggapi dalam {complaint_response_sla_hours} jam. "
                          "Sebelumnya: {previous}.",
                          "Complaints of the period answered within {complaint_response_sla_hours} hours. "
                          "Previous: {previous}."),
    "kpi.open_backlog": ("Tunggakan pengaduan", "Open complaints"),
    "kpi.open_backlog.help": ("Pengaduan belum selesai pada akhir periode. Sebelumnya: {previous}.",
                              "Complaints not resolved at the end of the period. Previous: {previous}."),
    "kpi.crimes": ("Kejahatan tercatat", "Recorded crimes"),
    "kpi.crimes.help": ("Kejahatan dalam periode; perubahan ditulis sebagai z Poisson, |z| > {real_change_z} berarti perubahan "
                        "nyata. Sebelumnya: {previous}.",
                        "Crimes in the period; the change is a Poisson z, |z| > {real_change_z} is a real change. "
                        "Previous: {previous}."),
    "kpi.crime_rate": ("Kejahatan per 10.000 penduduk", "Crimes per 10,000 residents"),
    "kpi.adoption_rate": ("Adopsi BOS", "BOS adoption"),
    "kpi.adoption_rate.help": ("Petugas wajib lapor yang mengirim sedikitnya satu laporan. Sebelumnya: {previous}.",
                               "Officers with expected days who sent at least one report. Previous: {previous}."),
    "rank.kpi": ("Ukuran", "Measure"),
    "rank.best": ("Terbaik", "Best"),
    "rank.worst": ("Terburuk", "Worst"),
    "rank.all_equal": ("semua sama", "all equal"),
    "rank.col.name": ("Satuan", "Unit"),
    "rank.col.officer": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "rank.col.nrp": ("NRP", "NRP"),
    "rank.col.unit_code": ("NRP", "NRP"),
    "rank.col.reporting_rate": ("Pelaporan", "Reporting"),
    "rank.col.reporting_rate_on_time": ("Tepat waktu", "On time"),
    "rank.col.coverage": ("Cakupan DDS", "DDS coverage"),
    "rank.col.dds_attainment": ("Capaian DDS", "DDS attainment"),
    "rank.col.response_sla_rate": ("SLA pengaduan", "Complaint SLA"),
    "rank.col.open_backlog": ("Tunggakan", "Open complaints"),
    "rank.col.crimes": ("Kejahatan", "Crimes"),
    "rank.col.crime_rate_per_10k": ("Kejahatan /10rb", "Crimes /10k"),
    "rank.col.crime_change_z": ("Perubahan z", "Change z"),
    "rank.col.adoption_rate": ("Adopsi", "Adoption"),
    "rank.col.officers": ("Petugas", "Officers"),
    "rank.col.villages": ("Desa", "Villages"),
    "rank.col.quality_rate": ("Mutu laporan", "Report quality"),
    "rank.col.expected_days": ("Hari wajib", "Expected days"),
    "rank.col.reports": ("Laporan", "Reports"),
    "rank.col.dds_target_share": ("Petugas capai target DDS", "Officers at DDS target"),
    "metric.def.reporting_rate": ("Hari melapor ÷ hari wajib lapor.", "Days reported ÷ days a report was due."),
    "metric.def.reporting_rate_on_time": ("Hari dengan laporan tepat waktu ÷ hari wajib lapor.", "Days with an on-time report ÷ days a report was due."),
    "metric.def.dds_attainment": ("Kunjungan DDS ÷ target DDS (target harian × hari wajib lapor).", "DDS visits ÷ DDS target (daily target × days a report was due)."),
    "metric.def.coverage": ("Rumah tangga dikunjungi (paling banyak jumlahnya) ÷ rumah tangga, desa yang jumlahnya diketahui.", "Households visited (at most all of them) ÷ households, villages with a known count."),
    "metric.def.dds_per_1k_households": ("Kunjungan DDS ÷ rumah tangga × 1.000.", "DDS visits ÷ households × 1,000."),
    "metric.def.quality_rate": ("1 − laporan bertanda ÷ laporan.", "1 − flagged reports ÷ reports."),
    "metric.def.response_sla_rate": ("Pengaduan ditanggapi dalam batas waktu ÷ pengaduan dalam periode.", "Complaints answered in time ÷ complaints of the period."),
    "metric.def.complaints_per_10k": ("Pengaduan ÷ penduduk × 10.000.", "Complaints ÷ residents × 10,000."),
    "metric.def.crime_rate_per_10k": ("Kejahatan ÷ penduduk × 10.000.", "Crimes ÷ residents × 10,000."),
    "metric.def.adoption_rate": ("Petugas wajib lapor yang mengirim laporan ÷ petugas wajib lapor.", "Officers due to report who sent a report ÷ officers due to report."),
    "metric.def.dds_target_share": ("Petugas yang mencapai target DDS ÷ petugas wajib lapor.", "Officers at their DDS target ÷ officers due to report."),
    "alert.none": ("Tidak ada. Bagus.", "None. Good."),
    "table.download": ("Unduh tabel (CSV)", "Download table (CSV)"),
    "table.capped": ("Menampilkan {shown} baris pertama dari {rows}; unduhan memuat semua baris.",
                     "Showing the first {shown} of {rows} rows; the download has every row."),
    "alert.blind_spots": ("Desa titik buta: {count}", "Blind-spot villages: {count}"),
    "alert.blind_spots.help": ("Desa tanpa kunjungan DDS dalam {blind_spot_days} hari terakhir periode, terlama lebih "
                               "dulu.",
                               "Villages without a DDS visit in the last {blind_spot_days} days of the period, "
                               "longest first."),
    "alert.silent_officers": ("Bhabinkamtibmas tanpa laporan {silent_days} hari atau lebih: {count}",
                              "Bhabinkamtibmas without a report for {silent_days} days or more: {count}"),
    "alert.silent_officers.help": ("Petugas yang bertugas pada akhir periode (aktif, memegang desa, tidak cuti).",
                                   "Officers on duty at the end of the period (active, covering a village, "
                                   "not on leave)."),
    "alert.overdue_complaints": ("Pengaduan belum ditanggapi melewati {complaint_response_sla_hours} jam: {count}",
                                 "Complaints unanswered after {complaint_response_sla_hours} hours: {count}"),
    "alert.overdue_complaints.help": ("Masih terbuka pada akhir periode, dengan petugas yang bertanggung jawab: "
                                      "yang masuk dalam periode lebih dulu, tunggakan yang lebih lama sesudahnya; "
                                      "masing-masing terlama lebih dulu.",
                                      "Still open at the end of the period, with the officer responsible: those "
                                      "opened in the period first, the older backlog after; each oldest first."),
    "alert.flag_spikes": ("Lonjakan laporan bertanda: {count}", "Spikes in flagged reports: {count}"),
    "alert.flag_spikes.help": ("Laporan bertanda naik nyata dibanding periode sebelumnya (z Poisson > {real_change_z}): "
                               "tanda laporan formalitas, salin-tempel atau GPS bermasalah.",
                               "Flagged reports rose clearly against the previous period (Poisson z > {real_change_z}): a sign "
                               "of formality reports, copy-paste or GPS problems."),
    "alert.submission_dips": ("Dugaan gangguan server: {count} hari", {"one": "Suspected server outages: {count} day",
                                                                       "other": "Suspected server outages: {count} days"}),
    "alert.submission_dips.help": ("Hari dengan laporan terkirim kurang dari {dip_share} biasanya (median hari "
                                   "yang sama dalam {dip_lookback_weeks} minggu sebelumnya), penurunan terdalam "
                                   "lebih dulu.",
                                   "Days with under {dip_share} of the usual submissions (median of the same "
                                   "weekday over the {dip_lookback_weeks} weeks before), the deepest drop first."),
    "alert.col.name": ("Nama", "Name"),
    "alert.col.polsek": ("Polsek", "Polsek"),
    "alert.col.officers": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "alert.col.officer": ("Bhabinkamtibmas", "Officer"),
    "alert.col.households": ("Rumah tangga", "Households"),
    "alert.col.last_dds": ("DDS terakhir", "Last DDS"),
    "alert.col.days_since_dds": ("Hari sejak DDS", "Days since DDS"),
    "alert.col.nrp": ("NRP", "NRP"),
    "alert.col.rank": ("Pangkat", "Rank"),
    "alert.col.last_report": ("Laporan terakhir", "Last report"),
    "alert.col.days_silent": ("Hari tanpa laporan", "Days silent"),
    "alert.col.complaint_id": ("No. pengaduan", "Complaint no."),
    "alert.col.village": ("Desa", "Village"),
    "alert.col.category": ("Kategori", "Category"),
    "alert.col.channel": ("Saluran", "Channel"),
    "alert.col.created": ("Dibuat", "Created"),
    "alert.col.age_days": ("Umur (hari)", "Age (days)"),
    "alert.col.flagged_reports": ("Bertanda (periode ini)", "Flagged (this period)"),
    "alert.col.flagged_reports_previous": ("Bertanda (sebelumnya)", "Flagged (before)"),
    "alert.col.reports": ("Laporan", "Reports"),
    "alert.col.change_z": ("Perubahan z", "Change z"),
    "alert.col.day": ("Tanggal", "Date"),
    "alert.col.submissions": ("Laporan terkirim", "Reports sent"),
    "alert.col.usual": ("Biasanya", "Usual"),
    "briefing.button": ("Unduh bahan briefing (siap cetak A4)", "Download briefing pack (prints on A4)"),
    "briefing.button_help": ("Satu berkas HTML: angka utama, peringatan, peringkat dan peta cakupan. Bisa dibuka "
                             "tanpa internet dan dicetak (Ctrl+P) di kertas A4.",
                             "One HTML file: headline numbers, alerts, rankings and the coverage map. Opens "
                             "offline and prints (Ctrl+P) on A4."),
    "briefing.title": ("Bahan Briefing Binmas", "Binmas Briefing Pack"),
    "briefing.generated": ("Dibuat {when}", "Generated {when}"),
    "briefing.kpis": ("Angka utama", "Headline numbers"),
    "briefing.alerts": ("Perlu tindakan minggu ini", "Needs action this week"),
    "briefing.rankings": ("Peringkat", "Ranking"),
    "briefing.map": ("Peta cakupan DDS", "DDS coverage map"),
    "briefing.window": ("{start} – {end} ({days} hari)", {"one": "{start} – {end} ({days} day)",
                                                          "other": "{start} – {end} ({days} days)"}),
    "briefing.page": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "briefing.previous": ("sebelumnya {value}", "previously {value}"),
    "briefing.more": ("… dan {count} lainnya (lihat dasbor)", "… and {count} more (see the dashboard)"),
    "briefing.footer": (
        "Sumber: Binmas Online System (BOS V2). Definisi setiap angka: dokumen «Definisi angka» di dasbor. "
        "Batas desa: cahyadsn/wilayah_boundaries (MIT).",
        "Source: Binmas Online System (BOS V2). What each number means: the «Definitions» page of the dashboard. "
        "Village boundaries: cahyadsn/wilayah_boundaries (MIT).",
    ),
    "map.title": ("Peta Cakupan DDS", "DDS Coverage Map"),
    "map.layer": ("Lapisan", "Layer"),
    "map.layer.coverage": ("Cakupan", "Coverage"),
    "map.layer.density": ("Kepadatan DDS", "DDS density"),
    "map.basemap": ("Peta dasar (perlu internet)", "Basemap (needs internet)"),
    "map.basemap_help": ("Tanpa internet peta dasar tidak tampil, tetapi batas desa tetap tergambar.",
                         "Without internet the basemap stays blank, but village boundaries are still drawn."),
    "map.too_many": ("Cakupan ini memuat {villages} desa, terlalu banyak untuk satu peta desa (batas {limit}). "
                     "Pilih satu Polda atau satuan di bawahnya untuk melihat petanya; tabel di bawah memuat "
                     "semua desa, terburuk lebih dulu.",
                     "This scope holds {villages} villages, too many for one village map (limit {limit}). "
                     "Choose one Polda or a unit below it to see its map; the table below holds every village, "
                     "worst first."),
    "map.hint": ("Klik desa untuk membuka satuannya; di tingkat Polsek, klik untuk melihat desa.",
                 "Click a village to open its unit; at Polsek level, click to see the village."),
    "map.pick_village": ("Atau pilih desa", "Or pick a village"),
    "map.tooltip": ("{village}\n{polsek}\nBhabinkamtibmas: {officers}\nRumah tangga: {households}\n"
                    "Dikunjungi: {visited}\nCakupan: {coverage}\nDDS terakhir: {last_visit}",
                    "{village}\n{polsek}\nBhabinkamtibmas: {officers}\nHouseholds: {households}\n"
                    "Visited: {visited}\nCoverage: {coverage}\nLast DDS: {last_visit}"),
    "map.density_tooltip": ("{village}\n{polsek}\nKunjungan DDS: {visits}",
                            "{village}\n{polsek}\nDDS visits: {visits}"),
    "map.unknown": ("tidak diketahui", "unknown"),
    "map.no_visit": ("0% (belum ada kunjungan)", "0% (no visit)"),
    "map.blind_spot": ("titik buta (tanpa DDS {blind_spot_days} hari)", "blind spot (no DDS in {blind_spot_days} days)"),
    "map.density_legend": ("kunjungan DDS per desa (lingkaran lebih besar: lebih banyak)",
                           "DDS visits per village (larger circle: more)"),
    "map.never": ("belum pernah", "never"),
    "map.no_officer": ("belum ada Bhabinkamtibmas", "no officer assigned"),
    "map.of_households": ("dari {households} rumah tangga", "of {households} households"),
    "map.officers_line": ("Bhabinkamtibmas: {officers}", "Bhabinkamtibmas: {officers}"),
    "map.table": ("Desa, terburuk lebih dulu", "Villages, worst first"),
    "map.col.name": ("Desa", "Village"),
    "map.col.polsek": ("Polsek", "Polsek"),
    "map.col.officers": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "map.col.households": ("Rumah tangga", "Households"),
    "map.col.households_visited": ("Rumah tangga dikunjungi", "Households visited"),
    "map.col.coverage": ("Cakupan", "Coverage"),
    "map.col.coverage_pct": ("Cakupan", "Coverage"),
    "map.col.dds_visits": ("Kunjungan DDS", "DDS visits"),
    "map.col.last_dds": ("DDS terakhir", "Last DDS"),
    "map.col.last_dds_date": ("DDS terakhir", "Last DDS"),
    "map.col.blind_spot": ("Titik buta", "Blind spot"),
    "nav.map": ("Peta Cakupan DDS", "DDS Coverage Map"),
    # Emerging hot spots (issue 19): the overview alert and the class names.
    "alert.hotspot": ("Hot spot kejahatan baru atau menguat: {count} desa",
                      {"one": "New or intensifying crime hot spots: {count} village",
                       "other": "New or intensifying crime hot spots: {count} villages"}),
    "alert.hotspot.help": ("Menurut perhitungan Peringatan Dini terakhir (data sampai tanggal di tabel): "
                           "Getis-Ord Gi* atas kejahatan per 10.000 penduduk per desa dan bulan, "
                           "{hotspot_months} bulan penuh terakhir, dikoreksi untuk uji berganda dengan False "
                           "Discovery Rate (Benjamini-Hochberg), tren diuji dengan Mann-Kendall. Baru: hot spot "
                           "hanya pada bulan terakhir. Menguat: hot spot pada sedikitnya {hotspot_most_months} "
                           "bulan, termasuk bulan terakhir, dan makin kuat.",
                           "From the latest early-warning run (data up to the date in the table): Getis-Ord Gi* "
                           "of crimes per 10,000 residents per village and month over the last {hotspot_months} "
                           "complete months, corrected for multiple testing with the False Discovery Rate "
                           "(Benjamini-Hochberg), trend by the Mann-Kendall test. New: a hot spot in the last "
                           "month only. Intensifying: a hot spot in at least {hotspot_most_months} of the months, "
                           "the last one included, and getting stronger."),
    "alert.col.hotspot_class": ("Kelas", "Class"),
    "alert.col.hot_months": ("Bulan hot spot", "Months hot"),
    "alert.col.months": ("Bulan dianalisis", "Months analysed"),
    "alert.col.as_of": ("Data sampai", "Data up to"),
    "hotspot.class.new": ("Baru", "New"),
    "hotspot.class.intensifying": ("Menguat", "Intensifying"),
    "hotspot.class.persistent": ("Menetap", "Persistent"),
    "hotspot.class.diminishing": ("Melemah", "Diminishing"),
    "hotspot.class.sporadic": ("Sporadis", "Sporadic"),
    "hotspot.class.none": ("Tidak ada pola", "No pattern"),
    "nav.compliance": ("Kepatuhan Pelaporan", "Reporting Compliance"),
    "nav.complaints": ("Pengaduan Masyarakat", "Public Complaints"),
    "quality.gps_map_shows": ("Peta dan tabel menampilkan {shown} laporan halaman ini dari {total}; unduhan berisi "
                              "semuanya.", "The map and table show this page's {shown} reports of {total}; the "
                              "download holds them all."),
    "nav.import": ("Impor Data", "Import Data"),
    "nav.audit": ("Audit & Akun", "Audit & Accounts"),
    "role.national": ("Korbinmas (nasional)", "Korbinmas (national)"),
    "role.polda": ("Polda", "Polda"),
    "role.polres": ("Polres", "Polres"),
    "role.polsek": ("Polsek", "Polsek"),
    "role.trainer": ("Pelatih", "Trainer"),
    "role.admin": ("Admin", "Admin"),
    "role.demo": ("Demo", "Demo"),
    "error.database": ("Basis data tidak dapat dihubungi. Periksa BOS_DATABASE_URL atau hubungi admin.",
                       "The database cannot be reached. Check BOS_DATABASE_URL or contact the admin."),
    "error.settings": ("Pengaturan tidak dapat dipakai: {error}. Perbaiki, lalu mulai ulang dasbor.",
                       "A setting cannot be used: {error}. Correct it, then restart the dashboard."),
    "error.schema": ("Struktur basis data belum sesuai dengan versi dasbor ini. Admin: jalankan "
                     "`python manage.py init-db` (membuat atau memperbarui tabel), lalu muat ulang halaman.",
                     "The database's tables do not match this version of the dashboard. Admin: run "
                     "`python manage.py init-db` (creates or upgrades the tables), then reload the page."),
    "auth.username": ("Nama pengguna", "User name"),
    "auth.password": ("Kata sandi", "Password"),
    "auth.sign_in": ("Masuk", "Sign in"),
    "auth.sign_in_provider": ("Masuk dengan akun instansi", "Sign in with your organisation account"),
    "auth.sign_out": ("Keluar", "Sign out"),
    "auth.signed_in": ("Masuk sebagai {name} ({role})", "Signed in as {name} ({role})"),
    "auth.invalid": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
    "auth.throttled": ("Terlalu banyak percobaan gagal dari perangkat ini. Coba lagi dalam {seconds} detik.",
                       "Too many failed attempts from this device. Try again in {seconds} seconds."),
    "auth.not_registered": ("{email} belum terdaftar di dasbor ini. Minta admin membuatkan akun.",
                            "{email} is not registered for this dashboard. Ask the admin for an account."),
    "auth.no_accounts": ("Belum ada akun. Admin pertama dibuat dari server: `python manage.py user add admin --role "
                         "admin --name \"Nama Admin\"`.",
                         "There are no accounts yet. Create the first admin on the server: `python manage.py user "
                         "add admin --role admin --name \"Admin Name\"`."),
    "auth.demo_banner": ("MODE DEMO — data contoh buatan, bukan data nyata. Pengguna demo melihat seluruh wilayah.",
                         "DEMO MODE — synthetic sample data, not real data. The demo user sees every region."),
    "import.title": ("Impor Data", "Import Data"),
    "import.help": ("Unggah ekspor BOS: satu berkas .zip, satu .xlsx, atau beberapa berkas .csv (dan villages.geojson). "
                    "Batas {mb} MB. Anda akan melihat hasil pemeriksaan dulu; tidak ada yang ditulis sebelum Anda "
                    "menekan Impor.",
                    "Upload a BOS export: one .zip, one .xlsx, or several .csv files (and villages.geojson). Limit "
                    "{mb} MB. You see the check first; nothing is written until you press Import."),
    "import.upload": ("Berkas ekspor", "Export files"),
    "import.too_big": ("Unggahan lebih dari {mb} MB; pecah ekspornya atau impor lewat `manage.py import`.",
                       "The upload is over {mb} MB; split the export or use `manage.py import`."),
    "import.one_archive": ("Unggah satu .zip atau satu .xlsx saja, atau hanya berkas .csv.",
                           "Upload one .zip or one .xlsx on its own, or only .csv files."),
    "import.dry_run": ("Hasil pemeriksaan (belum ditulis)", "Check result (nothing written yet)"),
    "import.checking": ("Memeriksa…", "Checking…"),
    "import.waiting": ("Menunggu impor lain selesai…", "Waiting for another import to finish…"),
    "import.rejected": ("{rows} ditolak ({problems}). Perbaiki lalu unggah lagi, atau impor baris yang benar saja.",
                        "{rows} rejected ({problems}). Fix and upload again, or import only the valid rows."),
    "import.count.rows": ("{count} baris", {"one": "{count} row", "other": "{count} rows"}),
    "import.count.problems": ("{count} masalah", {"one": "{count} problem", "other": "{count} problems"}),
    "import.keep_valid": ("Impor baris yang benar saja (baris yang ditolak tetap bisa diunduh dari riwayat)",
                          "Import only the valid rows (the rejected rows stay downloadable from the history)"),
    "import.confirm": ("Impor sekarang", "Import now"),
    "import.done": ("Impor selesai (batch {batch}, {seconds} detik).", "Import finished (batch {batch}, {seconds} s)."),
    "import.history": ("Riwayat impor", "Import history"),
    "import.no_history": ("Belum ada impor.", "No import yet."),
    "import.rejects_of": ("Unduh baris ditolak dari impor", "Download the rejected rows of import"),
    "import.col.file": ("Berkas", "File"),
    "import.col.read": ("Dibaca", "Read"),
    "import.col.new": ("Baru", "New"),
    "import.col.updated": ("Diperbarui", "Updated"),
    "import.col.unchanged": ("Tetap", "Unchanged"),
    "import.col.rejected": ("Ditolak", "Rejected"),
    "import.col.line": ("Baris", "Line"),
    "import.col.column": ("Kolom", "Column"),
    "import.col.reason": ("Alasan", "Reason"),
    "import.col.record": ("Isi baris", "Row as read"),
    # Reasons a row was rejected (Problem.code of ingest/validate.py), with Problem.params filled in.
    "import.reason.required": ("nilai wajib kosong", "required value missing"),
    "import.reason.missing_column": ("kolom wajib tidak ada", "required column missing"),
    "import.reason.file_rejected": ("tidak dimuat: berkasnya sendiri ditolak (lihat masalah pertamanya)",
                                    "not loaded: the file itself was rejected (see its first problem)"),
    "import.reason.too_long": ("{length} karakter; paling banyak {limit}", "{length} characters; at most {limit} allowed"),
    "import.reason.unstorable_character": ("berisi karakter NUL atau surrogate tunggal yang tidak bisa disimpan",
                                           "contains a NUL or unpaired surrogate character"),
    "import.reason.not_one_of": ("{value} bukan salah satu dari {options}", "{value} is not one of {options}"),
    "import.reason.not_a_number": ("{value} bukan angka", "{value} is not a number"),
    "import.reason.not_whole_number": ("{value} bukan bilangan bulat dari {min} sampai {max}",
                                       "{value} is not a whole number from {min} to {max}"),
    "import.reason.out_of_range": ("{value} di luar rentang {min} sampai {max}", "{value} is out of range {min} to {max}"),
    "import.reason.not_sha256": ("{value} bukan hash SHA-256 ({length} karakter heksadesimal)",
                                 "{value} is not a SHA-256 hash ({length} hexadecimal characters)"),
    "import.reason.not_a_date": ("{value} bukan tanggal (TTTT-BB-HH)", "{value} is not a date (YYYY-MM-DD)"),
    "import.reason.date_out_of_range": ("{value} di luar tanggal yang diizinkan, {min} sampai {max}",
                                        "{value} is outside the dates allowed, {min} to {max}"),
    "import.reason.not_a_timestamp": ("{value} bukan waktu ISO 8601", "{value} is not an ISO 8601 timestamp"),
    "import.reason.timestamp_out_of_range": (
        "{value} di luar waktu yang diizinkan, {min} sampai {max} (sehari setelah impor)",
        "{value} is outside the times allowed, {min} to {max} (one day after the import)"),
    "import.reason.unknown_unit": ("satuan {value} tidak dikenal", "unknown unit {value}"),
    "import.reason.unknown_village": ("desa {value} tidak dikenal", "unknown village {value}"),
    "import.reason.unknown_officer": ("Bhabinkamtibmas {value} tidak dikenal", "unknown officer {value}"),
    "import.reason.unknown_timezone": ("zona waktu {value} tidak dikenal (contoh: Asia/Jakarta)",
                                       "unknown time zone {value} (expected e.g. Asia/Jakarta)"),
    "import.reason.end_before_start": ("{end} lebih awal dari {start}", "{end} is before {start}"),
    "import.reason.duplicate_key": ("kunci ganda {key} (pertama di baris {line})",
                                    "duplicate key {key} (first at line {line})"),
    "import.reason.polda_has_parent": ("Polda tidak punya satuan induk; kosongkan", "a polda has no parent unit; leave it empty"),
    "import.reason.parent_required": ("wajib untuk {level}", "required for a {level}"),
    "import.reason.parent_wrong_level": ("{value} adalah {parent_level}; {level} berada di bawah {expected}",
                                         "{value} is a {parent_level}; a {level} belongs to a {expected}"),
    "import.reason.not_a_polsek": ("{value} adalah {level}; harus Polsek", "{value} is a {level}; it must be a polsek"),
    "import.reason.not_polygon": ("{kind} bukan Polygon atau MultiPolygon", "{kind} is not a Polygon or MultiPolygon"),
    "import.reason.malformed_geometry": ("koordinat rusak ({error})", "malformed coordinates ({error})"),
    "import.reason.empty_polygon": ("poligon kosong", "empty polygon"),
    "import.reason.not_wgs84": ("koordinat bukan bujur/lintang WGS84", "coordinates are not WGS84 longitude/latitude"),
    "import.hist.finished_at": ("Selesai", "Finished"),
    "import.hist.imported_by": ("Oleh", "By"),
    "import.hist.source": ("Sumber", "Source"),
    "import.hist.mode": ("Mode", "Mode"),
    "import.mode.all-or-nothing": ("semua atau tidak sama sekali", "all or nothing"),
    "import.mode.keep-valid": ("simpan baris yang sah", "keep the valid rows"),
    "import.hist.rows_read": ("Dibaca", "Read"),
    "import.hist.rows_new": ("Baru", "New"),
    "import.hist.rows_updated": ("Diperbarui", "Updated"),
    "import.hist.rows_unchanged": ("Tetap", "Unchanged"),
    "import.hist.rows_rejected": ("Ditolak", "Rejected"),
    "audit.title": ("Audit & Akun", "Audit & Accounts"),
    "audit.help": ("Masuk, gagal masuk, impor dan unduhan data (yang bisa memuat data pribadi), terbaru lebih dulu.",
                   "Sign-ins, failed sign-ins, imports and downloads (which may hold personal data), newest first."),
    "audit.actions": ("Jenis kejadian", "Event types"),
    "audit.all_actions": ("Semua kejadian", "All events"),
    "audit.user": ("Pengguna", "User"),
    "audit.action.sign_in": ("masuk", "sign-in"),
    "audit.action.sign_in_failed": ("gagal masuk", "failed sign-in"),
    "audit.action.sign_out": ("keluar", "sign-out"),
    "audit.action.import": ("impor", "import"),
    "audit.action.import_failed": ("impor gagal", "failed import"),
    "audit.action.download": ("unduhan", "download"),
    "audit.col.at": ("Waktu", "Time"),
    "audit.col.username": ("Pengguna", "User"),
    "audit.col.action": ("Kejadian", "Event"),
    "audit.col.detail": ("Rincian", "Detail"),
    "audit.accounts": ("Akun", "Accounts"),
    "audit.accounts_help": ("Akun dikelola dari server dengan `python manage.py user add|disable|list|set-role`.",
                            "Accounts are managed on the server with `python manage.py user add|disable|list|set-role`."),
    "audit.acc.username": ("Nama pengguna", "User name"),
    "audit.acc.display_name": ("Nama", "Name"),
    "audit.acc.email": ("E-mail", "E-mail"),
    "audit.acc.role": ("Peran", "Role"),
    "audit.acc.home_unit": ("Satuan", "Unit"),
    "audit.acc.disabled": ("Nonaktif", "Disabled"),
    "audit.acc.last_sign_in": ("Terakhir masuk", "Last sign-in"),
    "nav.effectiveness": ("Efektivitas", "Effectiveness"),
    # -- Tindak lanjut (issue 20, branch follow-up)
    "nav.follow_up": ("Tindak Lanjut", "Follow-up"),
    "fu.title": ("Tindak Lanjut", "Follow-up"),
    "fu.help": ("Setiap peringatan dapat diberi tindakan: siapa, tenggat, catatan, status. Item ditutup oleh data "
                "bila data menunjukkan penyelesaian: kunjungan DDS ke desa titik buta, laporan dari petugas yang "
                "diam, atau tanggapan atas pengaduan, bertanggal sesudah item dibuka. Lonjakan laporan bertanda, "
                "dugaan gangguan server dan titik rawan ditutup oleh manusia.",
                "Every alert can be given an action: who, by when, a note, a status. An item is closed by the "
                "data when the data shows it resolved: a DDS visit to the blind-spot village, a report from the "
                "silent officer, or a response to the complaint, dated after the item opened. Flagged-report "
                "spikes, suspected outages and hot spots are closed by people."),
    "fu.kind.blind_spot": ("Desa titik buta", "Blind-spot village"),
    "fu.kind.silent_officer": ("Bhabinkamtibmas tanpa laporan", "Silent officer"),
    "fu.kind.overdue_complaint": ("Pengaduan lewat SLA", "Complaint past SLA"),
    "fu.kind.flag_spike": ("Lonjakan laporan bertanda", "Flagged-report spike"),
    "fu.kind.officer_flag_spike": ("Lonjakan laporan bertanda (petugas)", "Flagged-report spike (officer)"),
    "fu.kind.submission_dip": ("Dugaan gangguan server", "Suspected server outage"),
    "fu.kind.hotspot": ("Titik rawan baru", "Emerging hot spot"),
    "fu.status.baru": ("Baru", "New"),
    "fu.status.ditangani": ("Ditangani", "In hand"),
    "fu.status.selesai": ("Selesai", "Done"),
    "fu.status.tidak_perlu": ("Tidak perlu", "Not needed"),
    "fu.open": ("Terbuka: {count}", "Open: {count}"),
    "fu.overdue": ("Lewat tenggat: {count}", "Overdue: {count}"),
    "fu.closed_week": ("Ditutup minggu ini: {count}", "Closed this week: {count}"),
    "fu.open_help": ("Item berstatus baru atau ditangani, tenggat terdekat lebih dulu.",
                     "Items that are new or in hand, nearest due date first."),
    "fu.overdue_help": ("Item terbuka yang tenggatnya sudah lewat menurut kalender setempat satuannya.",
                        "Open items whose due date has passed on their unit's local calendar."),
    "fu.closed_week_help": ("Item yang ditutup sejak Senin minggu ini (waktu setempat), oleh orang atau oleh data.",
                            "Items closed since this week's Monday (local time), by people or by the data."),
    "fu.national": ("Nasional", "National"),
    "fu.none": ("Tidak ada.", "None."),
    "fu.col.id": ("No.", "No."),
    "fu.col.kind": ("Jenis", "Kind"),
    "fu.col.subject": ("Subjek", "Subject"),
    "fu.col.unit": ("Satuan", "Unit"),
    "fu.col.opened_on": ("Peringatan per", "Alert as of"),
    "fu.col.assignee": ("Ditugaskan kepada", "Assigned to"),
    "fu.col.due_on": ("Tenggat", "Due"),
    "fu.col.note": ("Catatan", "Note"),
    "fu.col.status": ("Status", "Status"),
    "fu.col.closed": ("Ditutup", "Closed"),
    "fu.col.closed_by": ("Ditutup oleh", "Closed by"),
    "fu.col.outcome": ("Bukti atau alasan", "Evidence or reason"),
    "fu.by_evidence": ("data", "the data"),
    "fu.evidence.blind_spot": ("Kunjungan DDS {when} (laporan {ref})", "DDS visit {when} (report {ref})"),
    "fu.evidence.silent_officer": ("Laporan {when} (laporan {ref})", "Report {when} (report {ref})"),
    "fu.evidence.overdue_complaint": ("Ditanggapi {when}", "Answered {when}"),
    "fu.act": ("Tindakan", "Act on an item"),
    "fu.pick": ("Item", "Item"),
    "fu.unassigned": ("— belum ditugaskan —", "— not assigned —"),
    "fu.new_status": ("Status", "Status"),
    "fu.keep_status": ("(tetap {status})", "(keep {status})"),
    "fu.status_note": ("Keterangan perubahan status (wajib untuk \"Tidak perlu\": alasannya)",
                       "Remark on the status change (required for \"Not needed\": the reason)"),
    "fu.save": ("Simpan", "Save"),
    "fu.saved": ("Tersimpan.", "Saved."),
    "fu.refused": ("Tidak disimpan: {error}", "Not saved: {error}"),
    "fu.reason_needed": ("\"Tidak perlu\" memerlukan alasan.", "\"Not needed\" needs a reason."),
    "fu.nothing_to_act": ("Tidak ada item terbuka yang dapat Anda tindak di cakupan ini.",
                          "No open item in this scope that you may act on."),
    "fu.read_only": ("Peran Anda hanya membaca tindak lanjut.", "Your role reads follow-ups only."),
    "fu.check_evidence": ("Periksa bukti dari data sekarang", "Check the data for evidence now"),
    "fu.checked": ("Item ditutup oleh data: {count}", "Items closed by the data: {count}"),
    "fu.history": ("Riwayat item", "Item history"),
    "fu.history_none": ("Belum ada item.", "No item yet."),
    "fu.hist.at": ("Waktu", "When"),
    "fu.hist.actor": ("Oleh", "By"),
    "fu.hist.change": ("Perubahan", "Change"),
    "fu.hist.old_value": ("Dari", "From"),
    "fu.hist.new_value": ("Menjadi", "To"),
    "fu.hist.note": ("Keterangan", "Remark"),
    "fu.change.opened": ("dibuka", "opened"),
    "fu.change.status": ("status", "status"),
    "fu.change.assignee": ("penugasan", "assignee"),
    "fu.change.due": ("tenggat", "due date"),
    "fu.change.note": ("catatan", "note"),
    "fu.alert.column": ("Tindak lanjut", "Follow-up"),
    "fu.alert.select_hint": ("Pilih baris untuk membuka tindak lanjut; baris yang sudah punya item terbuka "
                             "tetap satu item.",
                             "Select rows to open a follow-up; a row that already has an open item keeps its "
                             "one item."),
    "fu.alert.open_button": ("Buka tindak lanjut untuk baris terpilih: {count}",
                             "Open a follow-up for the selected rows: {count}"),
    "fu.alert.opened": ("Item tindak lanjut terbuka untuk baris terpilih: {count}. Lihat halaman Tindak Lanjut.",
                        "Follow-up items open for the selected rows: {count}. See the Follow-up page."),
    "briefing.follow_up": ("Tindak lanjut minggu lalu", "Last week's follow-up"),
    "fu.review.help": ("Item yang jatuh tempo atau berubah dalam {days} hari terakhir: janji, hasil, dan apakah "
                       "angkanya bergerak sejak item dibuka.",
                       "Items due or changed in the last {days} days: what was promised, whether it was done, "
                       "and whether the number moved since the item opened."),
    "fu.review.none": ("Tidak ada item yang jatuh tempo atau berubah dalam {days} hari terakhir.",
                       "No item was due or changed in the last {days} days."),
    "fu.review.col.item": ("Item", "Item"),
    "fu.review.col.promise": ("Janji (siapa, tenggat, catatan)", "Promised (who, due, note)"),
    "fu.review.col.outcome": ("Hasil", "Outcome"),
    "fu.review.col.number": ("Angka sejak dibuka", "The number since"),
    "fu.review.overdue": ("{status}, lewat tenggat", "{status}, overdue"),
    "fu.measure.coverage": ("Cakupan DDS {then} → {now}", "DDS coverage {then} → {now}"),
    "fu.measure.days_silent": ("Hari tanpa laporan {then} → {now}", "Days without a report {then} → {now}"),
    "fu.measure.answered": ("Belum ditanggapi {then} jam → ditanggapi setelah {now} jam",
                            "Unanswered {then} h → answered after {now} h"),
    "fu.measure.unanswered": ("Belum ditanggapi {then} jam → masih belum, {now} jam",
                              "Unanswered {then} h → still not, {now} h"),
    "fu.measure.people": ("dinilai orang, bukan data", "judged by people, not the data"),
    "nav.comparison": ("Perbandingan Wilayah", "Region Comparison"),
    "rank.col.dds_per_1k_households": ("DDS per 1.000 rumah tangga", "DDS per 1,000 households"),
    "rank.col.complaints_per_10k": ("Pengaduan per 10.000 penduduk", "Complaints per 10,000 residents"),
    "complaints.title": ("Pengaduan Masyarakat", "Public Complaints"),
    "complaints.none": ("Tidak ada pengaduan di cakupan ini sampai akhir periode.",
                        "No complaints in this scope up to the end of the period."),
    "complaints.count": ("Pengaduan", "Complaints"),
    "complaints.median": ("Median tanggapan", "Median response"),
    "complaints.p90": ("90% ditanggapi dalam", "90% answered within"),
    "complaints.hours": ("{hours} jam", "{hours} h"),
    "complaints.sla": ("Ditanggapi ≤ {hours} jam", "Answered ≤ {hours} h"),
    "complaints.sla_short": ("SLA", "SLA"),
    "complaints.sla_share": ("% ditanggapi ≤ {complaint_response_sla_hours} jam",
                             "% answered ≤ {complaint_response_sla_hours} h"),
    "complaints.sla_line": ("SLA {hours} jam", "SLA {hours} h"),
    "complaints.backlog": ("Tunggakan terbuka", "Open backlog"),
    "complaints.backlog_help": ("Pengaduan belum selesai pada awal hari setelah periode; {old} di antaranya lebih dari "
                                "{backlog_old_days} hari.", "Complaints unresolved at the start of the day after "
                                "the period; {old} of them older than {backlog_old_days} days."),
    "complaints.backlog_old": ("Tunggakan > {backlog_old_days} hari", "Backlog > {backlog_old_days} days"),
    "complaints.resolution": ("Median penyelesaian (jam)", "Median resolution (h)"),
    "complaints.by_unit": ("Per satuan", "Per unit"),
    "complaints.response": ("Waktu tanggapan pertama", "Time to first response"),
    "complaints.response_axis": ("Jam sampai ditanggapi (dibatasi 240)", "Hours to first answer (clipped at 240)"),
    "complaints.resolution_title": ("Waktu penyelesaian", "Time to resolution"),
    "complaints.resolution_axis": ("Jam sampai selesai (dibatasi 240)", "Hours to resolution (clipped at 240)"),
    "complaints.weekly": ("Per minggu", "Per week"),
    "complaints.backlog_age": ("Tunggakan menurut umur pada akhir periode", "Open backlog by age at the period's end"),
    "complaints.age": ("{low}–{high} hari", "{low}–{high} days"),
    "complaints.age_over": ("> {low} hari", "> {low} days"),
    "complaints.by_category": ("Menurut kategori", "By category"),
    "complaints.by_channel": ("Menurut saluran", "By channel"),
    "complaints.category": ("Kategori", "Category"),
    "complaints.channel": ("Saluran", "Channel"),
    "complaints.within_sla": ("Ditanggapi ≤ SLA", "Answered within SLA"),
    "complaints.overdue": ("Pengaduan melewati SLA tanpa tanggapan (terlama dulu)",
                           "Complaints past the SLA without an answer (oldest first)"),
    "complaints.map": ("Peta pengaduan per desa", "Complaints per village"),
    "complaints.map_open": ("ada pengaduan yang masih terbuka", "some complaints still open"),
    "complaints.map_closed": ("semua pengaduan selesai", "all complaints resolved"),
    "complaints.map_size": ("lingkaran lebih besar: lebih banyak pengaduan", "larger circle: more complaints"),
    "complaints.map_tooltip": ("{village}\nPengaduan: {complaints}\nMasih terbuka: {open}",
                               "{village}\nComplaints: {complaints}\nStill open: {open}"),
    "eff.title": ("Efektivitas", "Effectiveness"),
    "eff.reference": ("Tanggal acuan", "Reference date"),
    "eff.reference_help": ("Periode 'sesudah' dimulai pada tanggal ini; 'sebelum' adalah periode sama panjang tepat "
                           "sebelumnya. Bawaan: {bos_v2_launch}, peluncuran BOS V2.",
                           "The 'after' window starts on this date; 'before' is the equally long window just before "
                           "it. Default: {bos_v2_launch}, the BOS V2 launch."),
    "eff.length": ("Panjang periode", "Window length"),
    "eff.days": ("{days} hari", {"one": "{days} day", "other": "{days} days"}),
    "eff.use_sidebar": ("Pakai periode di sidebar", "Use the sidebar period"),
    "eff.use_sidebar_help": ("Bandingkan periode di sidebar dengan periode sama panjang sebelumnya.",
                             "Compare the sidebar period with the equally long period before it."),
    "eff.windows": ("Sebelum: {b1} – {b2} · Sesudah: {a1} – {a2}", "Before: {b1} – {b2} · After: {a1} – {a2}"),
    "eff.clipped": ("Data tersedia {first} – {last}: kedua periode dipendekkan menjadi {days} (diminta {asked}) agar "
                    "sama panjang dan seluruhnya berada di dalam data. Hari tanpa data tidak dihitung sebagai hari "
                    "tanpa kejahatan.",
                    "Data available {first} – {last}: both windows were shortened to {days} ({asked} asked for) so "
                    "that they are equally long and lie wholly inside the data. Days without data are not counted "
                    "as days without crime."),
    "eff.no_before": ("Tidak ada data sebelum tanggal acuan (data mulai {first}): pilih tanggal acuan yang lebih akhir.",
                      "There is no data before the reference date (data start on {first}): pick a later reference "
                      "date."),
    "eff.crime": ("Kejahatan sebelum dan sesudah", "Crime before and after"),
    "eff.z_explained": ("Perubahan z = 2 × (√sesudah − √sebelum): nilai di atas {real_change_z} atau di bawah −{real_change_z} "
                        "berarti kejahatan "
                        "benar-benar naik atau turun, bukan kebetulan; angka kecil tidak membuatnya melonjak seperti "
                        "persentase.",
                        "Change z = 2 × (√after − √before): above {real_change_z} or below −{real_change_z} means crime "
                        "really rose or fell, not "
                        "by chance; small counts do not swing it the way a percentage does."),
    "eff.before": ("Sebelum", "Before"),
    "eff.after": ("Sesudah", "After"),
    "eff.rank_rate_col": ("Peringkat (per 10 rb penduduk)", "Rank (per 10k residents)"),
    "eff.rank_count_col": ("Peringkat (jumlah)", "Rank (count)"),
    "eff.rank": ("ke-{rank} tertinggi dari {units}", "{rank} highest of {units}"),
    "eff.change": ("Perubahan z", "Change z"),
    "eff.real_rise": ("naik nyata", "real rise"),
    "eff.real_fall": ("turun nyata", "real fall"),
    "eff.no_real_change": ("tidak berubah nyata", "no real change"),
    "eff.population": ("Penduduk", "Population"),
    "eff.trend": ("Kejahatan per bulan", "Crimes per month"),
    "eff.trend_units": ("Satuan yang ditampilkan", "Units shown"),
    "eff.crimes_month": ("Kejahatan", "Crimes"),
    "eff.reference_line": ("tanggal acuan", "reference date"),
    "chart.partial": ("Bulan yang tidak penuh dalam periode: {months}. Jumlahnya lebih kecil karena harinya lebih sedikit, "
                      "bukan karena kegiatan atau kejahatan turun.",
                      "Months only partly in the period: {months}. Their counts are lower because they have fewer days, "
                      "not because activity or crime fell."),
    "chart.partial_first": ("{month} (mulai {day})", "{month} (from {day})"),
    "chart.partial_last": ("{month} (sampai {day})", "{month} (until {day})"),
    "chart.partial_weeks": ("Minggu yang tidak penuh dalam periode: {weeks}. Jumlahnya lebih kecil karena harinya "
                            "lebih sedikit, bukan karena kegiatan turun.",
                            "Weeks only partly in the period: {weeks}. Their counts are lower because they have "
                            "fewer days, not because activity fell."),
    "chart.partial_week_first": ("minggu {week} (mulai {day})", "week of {week} (from {day})"),
    "chart.partial_week_last": ("minggu {week} (sampai {day})", "week of {week} (until {day})"),
    "chart.partial_marked": ("Di grafik: batang lebih pucat dan diarsir, garis titik-titik.",
                             "On the chart: paler hatched bars, dotted lines."),
    "chart.partial_bars": ("Di grafik: batangnya lebih pucat dan diarsir.", "On the chart: their bars are paler "
                           "and hatched."),
    "chart.partial_lines": ("Di grafik: garisnya titik-titik.", "On the chart: their lines are dotted."),
    "eff.dds_vs_crime": ("DDS dan perubahan kejahatan", "DDS and the change in crime"),
    "eff.correlation": ("Korelasi peringkat (Spearman) dengan perubahan kejahatan: {rho} atas {units} satuan.",
                        "Rank correlation (Spearman) with the crime change: {rho} over {units} units."),
    "eff.too_few_units": ("Terlalu sedikit satuan untuk menghitung korelasi.", "Too few units for a correlation."),
    "eff.correlation_note": ("Nilai negatif berarti satuan dengan DDS lebih banyak cenderung kejahatannya turun. "
                             "Korelasi bukan bukti sebab-akibat. Area abu-abu: perubahan tidak nyata (|z| ≤ {real_change_z}).",
                             "A negative value means units with more DDS tend to see crime fall. Correlation is not "
                             "proof of cause. Grey band: no real change (|z| ≤ {real_change_z})."),
    "eff.goals": ("Capaian tujuan per satuan (periode sesudah)", "Goal attainment per unit (after window)"),
    "eff.officers": ("Petugas wajib lapor", "Officers with duty days"),
    "cmp.title": ("Perbandingan Wilayah", "Region Comparison"),
    "cmp.no_levels": ("Tidak ada satuan di bawah cakupan ini untuk dibandingkan.", "No units below this scope to compare."),
    "cmp.level": ("Tingkat", "Level"),
    "cmp.units": ("Satuan (2–6)", "Units (2–6)"),
    "cmp.measure_pick": ("Ukuran untuk peringkat, tren dan peta", "Measure for ranking, trends and map"),
    "cmp.pick_two": ("Pilih sedikitnya dua satuan.", "Pick at least two units."),
    "cmp.fair": ("Semua angka dihitung dari jumlah masing-masing satuan (bukan rata-rata persentase). Nilai bertanda "
                 "'sedikit data' tidak diberi peringkat.",
                 "Every number is computed from each unit's own sums (never an average of percentages). Values "
                 "marked 'few cases' are not ranked."),
    "cmp.measure": ("Ukuran", "Measure"),
    "cmp.few": ("sedikit data", "few cases"),
    "cmp.few_cases": ("kurang dari {minimum} kasus: tidak diperingkat", "fewer than {minimum} cases: not ranked"),
    "cmp.rank": ("Peringkat", "Rank"),
    "cmp.not_ranked": ("–", "–"),
    "cmp.note": ("Catatan", "Note"),
    "cmp.ranking": ("Peringkat: {measure}", "Ranking: {measure}"),
    "cmp.trends": ("Tren mingguan", "Weekly trends"),
    "cmp.map": ("{measure} per {level}", "{measure} per {level}"),
    "cmp.legend_chosen": ("satuan yang dibandingkan", "units compared"),
    "cmp.legend_few": ("sedikit data (tidak diwarnai)", "few cases (not coloured)"),
    "cmp.denominator.officers": ("Petugas", "Officers"),
    "cmp.denominator.expected_days": ("Hari wajib lapor", "Expected days"),
    "cmp.denominator.villages": ("Desa", "Villages"),
    "cmp.denominator.households": ("Rumah tangga", "Households"),
    "cmp.denominator.population": ("Penduduk", "Population"),
    "cmp.denominator.reports": ("Laporan", "Reports"),
    "cmp.denominator.complaints": ("Pengaduan", "Complaints"),
    "cmp.denominator.crimes": ("Kejahatan", "Crimes"),
    "cmp.denominator.dds_target": ("Target DDS", "DDS target"),
    "cmp.denominator.counted": ("Petugas wajib lapor", "Officers with duty days"),
    "nav.scorecard": ("Rapor Bhabinkamtibmas", "Officer Scorecard"),
    "nav.subscriptions": ("Langganan", "Subscriptions"),
    "delivery.subject": ("Bahan Briefing Binmas {start} – {end}", "Binmas Briefing Pack {start} – {end}"),
    "delivery.alerts_total": ("Peringatan: {count}", "Alerts: {count}"),
    "subs.title": ("Langganan bahan briefing", "Briefing pack subscriptions"),
    "subs.help": ("Bahan briefing dikirim lewat e-mail setiap minggu pada hari dan jam setempat satuan. Setiap "
                  "penerima hanya menerima data yang boleh dilihat akunnya.",
                  "The briefing pack is e-mailed every week on the unit's local weekday and hour. Each recipient "
                  "receives only the data their own account may see."),
    "subs.add": ("Langganan baru", "New subscription"),
    "subs.unit": ("Satuan", "Unit"),
    "subs.weekday": ("Hari", "Weekday"),
    "subs.hour": ("Jam (waktu setempat)", "Hour (local time)"),
    "subs.days": ("Periode (hari sebelum tanggal kirim)", "Window (days before the sending date)"),
    "subs.language": ("Bahasa", "Language"),
    "subs.format": ("Format", "Format"),
    "subs.recipients": ("Penerima (akun)", "Recipients (accounts)"),
    "subs.create": ("Simpan langganan", "Save subscription"),
    "subs.created": ("Langganan {id} disimpan.", "Subscription {id} saved."),
    "subs.error": ("Tidak dapat disimpan: {error}", "Cannot be saved: {error}"),
    "subs.list": ("Langganan", "Subscriptions"),
    "subs.none": ("Belum ada langganan.", "No subscriptions yet."),
    "subs.pick": ("Langganan yang diubah", "Subscription to change"),
    "subs.pause": ("Jeda", "Pause"),
    "subs.resume": ("Lanjutkan", "Resume"),
    "subs.remove": ("Hapus", "Remove"),
    "subs.log": ("Log pengiriman", "Delivery log"),
    "subs.log_help": ("Setiap percobaan kirim, terbaru lebih dulu. Pengiriman dijalankan oleh `python manage.py "
                      "scheduler` (atau cron yang memanggil `python manage.py send-briefings`).",
                      "Every sending attempt, newest first. Sending is run by `python manage.py scheduler` (or a cron "
                      "job calling `python manage.py send-briefings`)."),
    "subs.col.id": ("No.", "No."),
    "subs.col.unit_name": ("Satuan", "Unit"),
    "subs.col.schedule": ("Jadwal", "Schedule"),
    "subs.col.days": ("Hari data", "Days of data"),
    "subs.col.language": ("Bahasa", "Language"),
    "subs.col.format": ("Format", "Format"),
    "subs.col.active": ("Aktif", "Active"),
    "subs.col.recipients": ("Penerima", "Recipients"),
    "subs.col.sent_at": ("Waktu percobaan", "Attempted at"),
    "subs.col.subscription_id": ("Langganan", "Subscription"),
    "subs.col.username": ("Penerima", "Recipient"),
    "subs.col.unit_code": ("Satuan dikirim", "Unit sent"),
    "subs.col.slot_local": ("Jadwal (waktu setempat)", "Slot (local time)"),
    "subs.col.attempt": ("Percobaan", "Attempt"),
    "subs.col.status": ("Status", "Status"),
    "subs.col.error": ("Keterangan", "Detail"),
    "subs.col.bytes": ("Ukuran (bita)", "Size (bytes)"),
    "subs.status.sent": ("terkirim", "sent"),
    "subs.status.retrying": ("dicoba lagi", "retrying"),
    "subs.status.failed": ("gagal", "failed"),
    "subs.status.skipped": ("tidak dikirim", "not sent"),
    "audit.action.subscription": ("langganan", "subscription"),
    "nav.quality": ("Kualitas Data", "Data Quality"),
    "table.download_excel": ("Unduh Excel", "Download Excel"),
    "table.download_all": ("Unduh semua baris (CSV)", "Download all rows (CSV)"),
    "table.page": ("Halaman (dari {pages})", "Page (of {pages})"),
    "table.rows_shown": ("Baris {first}–{last} dari {total}", "Rows {first}–{last} of {total}"),
    "table.order": ("Urutan", "Order"),
    "quality.order.worst": ("Terparah dulu", "Worst first"),
    "quality.order.newest": ("Terbaru dulu", "Newest first"),
    "quality.order.officers": ("Petugas terbanyak dulu", "Most officers first"),
    "quality.order.time": ("Menurut waktu", "By time"),
    "flag.late": ("terlambat > {late_after_hours} jam", "late > {late_after_hours} h"),
    "flag.time_inconsistent": ("waktu janggal", "time inconsistent"),
    "flag.gps_missing": ("tanpa GPS", "no GPS"),
    "flag.gps_outside": ("GPS di luar desa", "GPS outside village"),
    "flag.duplicate_photo": ("foto dipakai ulang", "reused photo"),
    "flag.duplicate_narrative": ("narasi salinan", "copied narrative"),
    "flag.impossible_travel": ("perjalanan mustahil", "impossible travel"),
    "compliance.title": ("Kepatuhan Pelaporan", "Reporting Compliance"),
    "compliance.no_officers": ("Belum ada Bhabinkamtibmas di cakupan ini.", "There are no Bhabinkamtibmas in this scope."),
    "compliance.by_polsek": ("Kepatuhan per Polsek", "Compliance per Polsek"),
    "compliance.per_officer": ("Tampilkan daftar per Bhabinkamtibmas", "Show the list per officer"),
    "compliance.per_officer_help": ("Daftar semua petugas di cakupan ini (dimuat bila diminta: ribuan baris).",
                                    "Every officer of this scope (loaded when asked: thousands of rows)."),
    "compliance.search": ("Cari nama atau NRP", "Search name or NRP"),
    "compliance.polsek": ("Polsek", "Polsek"),
    "compliance.all_polsek": ("Semua Polsek", "All Polsek"),
    "compliance.only_red": ("Hanya yang perlu perhatian", "Only those needing attention"),
    "compliance.only_red_help": ("Petugas dengan sedikitnya satu nilai merah.", "Officers with at least one red value."),
    "compliance.showing": ("{shown} dari {total} Bhabinkamtibmas", {"one": "{shown} of {total} officer",
                                                                     "other": "{shown} of {total} officers"}),
    "compliance.lights": ("Hijau: baik · kuning: perlu perhatian · merah dan ⚠: di bawah {light_red_below} atau tanpa "
                          "laporan {silent_days} hari",
                          "Green: good · amber: watch · red and ⚠: below {light_red_below} or silent for "
                          "{silent_days} days"),
    "compliance.col.name": ("Nama", "Name"),
    "compliance.col.rank": ("Pangkat", "Rank"),
    "compliance.col.nrp": ("NRP", "NRP"),
    "compliance.col.polsek_name": ("Polsek", "Polsek"),
    "compliance.col.village_names": ("Desa binaan", "Villages covered"),
    "compliance.col.expected_days": ("Hari wajib lapor", "Expected days"),
    "compliance.col.days_since_report": ("Hari sejak laporan terakhir", "Days since last report"),
    "calendar.title": ("Kalender pelaporan", "Reporting calendar"),
    "calendar.help": ("Setiap kotak satu hari. Untuk cakupan besar, satu baris per Polsek: bagian hari wajib lapor "
                      "yang dilaporkan. Hari wajib lapor: {reporting_weekdays}; gangguan server {outage_excuse_hours} "
                      "jam atau lebih membebaskan hari itu.",
                      "One box per day. For large scopes, one row per Polsek: the share of expected days reported. "
                      "Reports are due {reporting_weekdays}; a server outage of {outage_excuse_hours} hours or more "
                      "excuses the day."),
    "calendar.share": ("% dilaporkan", "% reported"),
    "calendar.reported": ("dilaporkan", "reported"),
    "calendar.late": ("terlambat", "late"),
    "calendar.missing": ("tidak ada laporan", "missing"),
    "calendar.leave": ("cuti", "leave"),
    "calendar.outage": ("gangguan server", "server outage"),
    "calendar.off": ("bukan hari wajib", "not a duty day"),
    "calendar.colour.reported": ("biru", "blue"),
    "calendar.colour.late": ("oranye", "orange"),
    "calendar.colour.missing": ("merah tua", "dark red"),
    "calendar.colour.leave": ("ungu muda", "light purple"),
    "calendar.colour.outage": ("ungu tua", "dark purple"),
    "calendar.colour.off": ("abu-abu", "grey"),
    "delays.title": ("Jeda kirim laporan", "Submission delays"),
    "delays.axis": ("Jam dari kegiatan sampai dikirim (dibatasi −6 s.d. 120)", "Hours from activity to sending (clipped at −6 to 120)"),
    "delays.reports": ("Laporan", "Reports"),
    "delays.hover": ("%{x} jam: %{y} laporan", "%{x} h: %{y} reports"),
    "delays.threshold": ("batas terlambat {hours} jam", "late after {hours} h"),
    "delays.summary": ("Median {median} jam · 90% terkirim dalam {p90} jam · {late} lewat {hours} jam. Bila banyak "
                       "laporan tepat di sekitar batas, jendela kirim mungkin terlalu pendek.",
                       "Median {median} h · 90% sent within {p90} h · {late} later than {hours} h. Many reports just "
                       "around the line suggest the reporting window is too short."),
    "score.title": ("Rapor Bhabinkamtibmas", "Officer Scorecard"),
    "score.search": ("Cari Bhabinkamtibmas (nama atau NRP)", "Find an officer (name or NRP)"),
    "score.search_placeholder": ("mis. Sulistyo atau 9705", "e.g. Sulistyo or 9705"),
    "score.pick": ("Pilih Bhabinkamtibmas", "Pick an officer"),
    "score.pick_placeholder": ("— pilih —", "— choose —"),
    "score.pick_option": ("{name} · {nrp} · {polsek} — melapor {rate} dari {days} hari wajib, mutu {quality}",
                          {"one": "{name} · {nrp} · {polsek} — reported {rate} of {days} expected day, "
                                  "quality {quality}",
                           "other": "{name} · {nrp} · {polsek} — reported {rate} of {days} expected days, "
                                    "quality {quality}"}),
    "score.order_note": ("Urutan: yang paling perlu pembinaan lebih dulu — tingkat pelaporan terendah di antara "
                         "Bhabinkamtibmas dengan sedikitnya {days} hari wajib lapor dalam periode, lalu mutu laporan "
                         "terendah; yang kurang hari wajibnya menyusul.",
                         "Order: most in need of coaching first — lowest reporting rate among officers with at least "
                         "{days} expected days in the period, then lowest report quality; officers with fewer "
                         "expected days follow."),
    "score.choose": ("Ketik sebagian nama atau NRP, lalu pilih Bhabinkamtibmas.", "Type part of a name or NRP, then pick."),
    "score.none_found": ("Tidak ada Bhabinkamtibmas yang cocok di cakupan ini.", "No officer in this scope matches."),
    "score.print": ("Unduh rapor (1 halaman A4)", "Download scorecard (one A4 page)"),
    "score.print_help": ("Berkas HTML untuk sesi pelatihan; buka dan cetak (Ctrl+P).",
                         "An HTML file for the training session; open and print (Ctrl+P)."),
    "score.gaps": ("Yang perlu diperbaiki", "What to improve"),
    "score.peers": ("Dibandingkan rekan", "Compared with peers"),
    "score.measure": ("Ukuran", "Measure"),
    "score.officer": ("Petugas ini", "This officer"),
    "score.median_polsek": ("Median Polsek", "Polsek median"),
    "score.percentile_polsek": ("Posisi di Polsek", "Rank in Polsek"),
    "score.median_polres": ("Median Polres", "Polres median"),
    "score.percentile_polres": ("Posisi di Polres", "Rank in Polres"),
    "score.polres_hidden": ("Tanpa perbandingan dengan {polres}: akun ini hanya melihat {polsek}, median dan posisi "
                            "di atas dihitung atas rekan satu Polsek.",
                            "No comparison with {polres}: this account sees only {polsek}; the medians and ranks "
                            "above are over the officers of the same Polsek."),
    "score.percentile": ("persentil {pct} dari {peers}", "percentile {pct} of {peers}"),
    "score.numbers": ("{reports} · {dds} · melapor {reported} dari {expected}",
                      "{reports} · {dds} · reported on {reported} of {expected}"),
    "score.count.reports": ("{count} laporan", {"one": "{count} report", "other": "{count} reports"}),
    "score.count.dds_visits": ("{count} kunjungan DDS", {"one": "{count} DDS visit", "other": "{count} DDS visits"}),
    "score.count.expected_days": ("{count} hari wajib", {"one": "{count} expected day",
                                                         "other": "{count} expected days"}),
    "score.villages": ("Desa binaan", "Villages covered"),
    "score.no_villages": ("Petugas ini tidak memegang desa dalam periode.", "This officer covered no village in the period."),
    "score.mix": ("Jenis kegiatan (tujuh kegiatan wajib)", "Activity mix (seven mandatory activities)"),
    "score.reports": ("Laporan", "Reports"),
    "score.dds_visits": ("Kunjungan DDS", "DDS visits"),
    "score.trend": ("Perkembangan 6 bulan terakhir", "Last six months"),
    "score.flagged_share": ("% laporan bertanda", "% flagged reports"),
    "score.flagged": ("Laporan bertanda", "Flagged reports"),
    "score.flagged_total": ("{count} laporan", {"one": "{count} report", "other": "{count} reports"}),
    "score.no_flags": ("Tidak ada laporan bertanda dalam periode.", "No flagged report in the period."),
    "score.col.when": ("Waktu", "When"),
    "score.col.type": ("Kegiatan", "Activity"),
    "score.col.village": ("Desa", "Village"),
    "score.col.reasons": ("Alasan", "Why"),
    "score.col.narrative": ("Uraian laporan", "Report text"),
    "score.col.report": ("No. laporan", "Report id"),
    "gap.none": ("Tidak ada kekurangan yang menonjol dalam periode ini.", "No notable gap in this period."),
    "gap.unvisited": ("{count} desa belum dikunjungi (DDS) {blind_spot_days} hari terakhir: {villages}.",
                      {"one": "{count} village without a DDS visit in the last {blind_spot_days} days: {villages}.",
                       "other": "{count} villages without a DDS visit in the last {blind_spot_days} days: "
                                "{villages}."}),
    "gap.missing_days": ("{count} dari {expected} hari wajib lapor tanpa laporan.",
                         {"one": "{count} of {expected} expected day without a report.",
                          "other": "{count} of {expected} expected days without a report."}),
    "gap.late": ("{count} laporan terlambat lebih dari {late_after_hours} jam.",
                 {"one": "{count} report sent more than {late_after_hours} hours late.",
                  "other": "{count} reports sent more than {late_after_hours} hours late."}),
    "gap.dds_target": ("Kunjungan DDS {visits} dari target {target}.",
                       {"one": "{visits} DDS visit against a target of {target}.",
                        "other": "{visits} DDS visits against a target of {target}."}),
    "gap.same_households": ("{visits} kunjungan DDS hanya ke {households} rumah tangga: kunjungan berulang ke rumah "
                            "yang sama, bukan menjangkau warga baru.",
                            {"one": "{visits} DDS visits went to only {households} household: the same home again, "
                                    "not new residents.",
                             "other": "{visits} DDS visits went to only {households} households: the same homes "
                                      "again, not new residents."}),
    "gap.duplicate_narrative": ("{count} dari {reports} laporan memakai uraian yang sama (salin-tempel).",
                                {"one": "{count} of {reports} reports repeats the same text (copy-paste).",
                                 "other": "{count} of {reports} reports repeat the same text (copy-paste)."}),
    "gap.duplicate_photo": ("{count} laporan memakai foto yang sudah pernah dikirim.",
                            {"one": "{count} report reuses a photo sent before.",
                             "other": "{count} reports reuse a photo sent before."}),
    "gap.gps_outside": ("{count} laporan dikirim dari luar desa yang dilaporkan (lebih dari {gps_tolerance_m} m).",
                        {"one": "{count} report was sent from outside the reported village (over {gps_tolerance_m} m).",
                         "other": "{count} reports were sent from outside the reported village (over "
                                  "{gps_tolerance_m} m)."}),
    "gap.gps_missing": ("{count} laporan tanpa titik GPS.", {"one": "{count} report without a GPS point.",
                                                             "other": "{count} reports without a GPS point."}),
    "gap.impossible_travel": ("{count} laporan dengan perpindahan tempat yang mustahil (lebih dari {max_travel_kmh} km/jam).",
                              {"one": "{count} report with an impossible move (faster than {max_travel_kmh} km/h).",
                               "other": "{count} reports with an impossible move (faster than {max_travel_kmh} "
                                        "km/h)."}),
    "gap.time_inconsistent": ("{count} laporan dikirim sebelum kegiatannya terjadi (jam HP salah?).",
                              {"one": "{count} report was sent before the activity took place (wrong phone clock?).",
                               "other": "{count} reports were sent before the activity took place (wrong phone "
                                        "clock?)."}),
    "gap.activities": ("Belum ada laporan kegiatan: {activities}.", "No report yet of: {activities}."),
    "quality.title": ("Kualitas Data", "Data Quality"),
    "quality.summary": ("{flagged} dari {reports} laporan dalam periode bertanda.",
                        {"one": "{flagged} of {reports} report in the period is flagged.",
                         "other": "{flagged} of {reports} reports in the period are flagged."}),
    "quality.tab.overview": ("Ringkasan tanda", "Flags overview"),
    "quality.tab.flagged": ("Laporan bertanda", "Flagged reports"),
    "quality.tab.copies": ("Salinan & foto ulang", "Copies & reused photos"),
    "quality.tab.gps": ("GPS & perjalanan", "GPS & travel"),
    "quality.tab.outages": ("Gangguan server", "Server outages"),
    "quality.flags": ("Laporan bertanda", "Flagged reports"),
    "quality.week": ("Minggu mulai", "Week starting"),
    "quality.filter_flags": ("Jenis tanda", "Flag types"),
    "quality.filter_officer": ("Bhabinkamtibmas (nama atau NRP)", "Officer (name or NRP)"),
    "quality.showing": ("{shown} dari {total} laporan bertanda", {"one": "{shown} of {total} flagged report",
                                                                  "other": "{shown} of {total} flagged reports"}),
    "quality.no_flags": ("Tidak ada laporan bertanda dalam periode ini.", "No flagged report in this period."),
    "quality.narratives": ("Uraian yang sama persis", "Identical narratives"),
    "quality.narratives_help": ("Laporan dengan uraian sama (huruf besar/kecil, angka dan tanda baca diabaikan), "
                                "dari satu petugas atau beberapa.",
                                "Reports with the same text (ignoring case, digits and punctuation), from one "
                                "officer or several."),
    "quality.no_narratives": ("Tidak ada uraian yang berulang.", "No repeated narrative."),
    "quality.photos": ("Foto yang dipakai beberapa petugas", "Photos used by several officers"),
    "quality.photos_help": ("Foto yang sama persis dikirim oleh dua petugas atau lebih dalam periode.",
                            "The very same photo sent by two or more officers in the period."),
    "quality.no_photos": ("Tidak ada foto yang dipakai bersama.", "No photo shared between officers."),
    "quality.example": ("Uraian", "Text"),
    "quality.photo": ("Foto (sidik)", "Photo (hash)"),
    "quality.officers": ("Petugas", "Officers"),
    "quality.names": ("Nama Bhabinkamtibmas", "Officer names"),
    "quality.first": ("Pertama", "First"),
    "quality.last": ("Terakhir", "Last"),
    "quality.gps_outside": ("Laporan dari luar desa: {count}", "Reports from outside the village: {count}"),
    "quality.gps_legend": ("laporan dikirim dari luar desanya", "report sent from outside its village"),
    "quality.gps_tooltip": ("{officer}\n{village}\n{distance} km dari batas desa",
                            "{officer}\n{village}\n{distance} km from the village boundary"),
    "quality.distance_km": ("Jarak dari desa (km)", "Distance from village (km)"),
    "quality.travel": ("Perjalanan mustahil: {count}", "Impossible travel: {count}"),
    "quality.narratives_count": ("{count} uraian berulang", "{count} repeated narratives"),
    "quality.photos_count": ("{count} foto dipakai bersama", "{count} shared photos"),
    "quality.no_travel": ("Tidak ada perjalanan mustahil.", "No impossible travel."),
    "quality.previous_time": ("Laporan sebelumnya", "Previous report"),
    "quality.previous_village": ("Desa sebelumnya", "Previous village"),
    "quality.previous_report": ("No. laporan sebelumnya", "Previous report id"),
    "quality.km": ("Jarak (km)", "Distance (km)"),
    "quality.minutes": ("Selang (menit)", "Gap (minutes)"),
    "quality.speed": ("Kecepatan (km/jam)", "Speed (km/h)"),
    "quality.dips": ("Hari dengan laporan terkirim jauh di bawah biasanya", "Days with far fewer submissions than usual"),
    "quality.recorded": ("Gangguan tercatat dalam ekspor BOS", "Outages recorded in the BOS export"),
    "quality.no_recorded": ("Tidak ada gangguan tercatat dalam periode.", "No outage recorded in the period."),
    "quality.start_utc": ("Mulai", "Start"),
    "quality.end_utc": ("Selesai", "End"),
    "quality.where": ("Wilayah", "Where"),
    "quality.everywhere": ("seluruh wilayah", "everywhere"),
    "quality.hours": ("Jam", "Hours"),
    "quality.note": ("Catatan", "Note"),
    "footer.window": ("data tersedia {first} – {last} · impor terakhir {imported}",
                      "data available {first} – {last} · last import {imported}"),
    "footer.never": ("belum pernah", "never"),
    "activity.dds": ("DDS (sambang rumah)", "DDS (door-to-door)"),
    "activity.deteksi_dini": ("Deteksi dini", "Early detection"),
    "activity.problem_solving": ("Problem solving", "Problem solving"),
    "activity.pelayanan": ("Pelayanan kepolisian", "Police service"),
    "activity.giat_desa": ("Kegiatan desa", "Village activities"),
    "activity.binluh": ("Bimbingan & penyuluhan", "Community guidance"),
    "activity.siskamling": ("Siskamling", "Neighbourhood watch"),
    "activity.lainnya": ("Lainnya", "Other"),
}


# A pack rendered outside a browser session (the command line, the scheduler) names its language itself.
_CHOSEN_LANGUAGE: ContextVar[str | None] = ContextVar("chosen_language", default=None)


def language() -> str:
    """The language of `in_language`, else the one chosen in the sidebar ("id" unless English was picked)."""
    return _CHOSEN_LANGUAGE.get() or st.session_state.get("lang", "id")


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Every text and number inside the block in `lang`, whatever the session says."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    token = _CHOSEN_LANGUAGE.set(lang)
    try:
        yield
    finally:
        _CHOSEN_LANGUAGE.reset(token)


@lru_cache(maxsize=4096)
def placeholders(text: str) -> frozenset[str]:
    """The {names} a text asks for."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def quoted_values() -> dict[str, str]:
    """The policy in force and the fixed thresholds, written for the current language."""
    policy = settings_policy()
    values = {f.name: fmt_amount(getattr(policy, f.name)) for f in dataclasses.fields(policy)
              if f.name != "reporting_weekdays"}
    values.update(reporting_weekdays=fmt_weekdays(policy.reporting_weekdays), silent_days=fmt_amount(SILENT_DAYS),
                  real_change_z=fmt_amount(REAL_CHANGE_Z), bos_v2_launch=fmt_date(BOS_V2_LAUNCH),
                  light_red_below=fmt_pct(LIGHT_RED_BELOW, 0), dip_share=fmt_pct(DIP_SHARE, 0),
                  dip_lookback_weeks=fmt_amount(DIP_LOOKBACK_WEEKS), hotspot_months=fmt_amount(HOTSPOT_MONTHS),
                  hotspot_most_months=fmt_pct(HOTSPOT_MOST_MONTHS, 0), hotspot_alpha=fmt_pct(HOTSPOT_ALPHA, 0))
    return values


def t(key: str, **values) -> str:
    """The text for `key` in the current language, with {placeholders} filled (policy values from the policy)."""
    texts = TEXTS[key]
    if isinstance(texts[0], dict) or isinstance(texts[1], dict):  # in either language: fail in Indonesian too
        raise TypeError(f"text {key!r} has plural forms: ask for it with t_plural(key, n)")
    return filled(texts[1 if language() == "en" else 0], values)


def t_plural(key: str, n, **values) -> str:
    """The text for `key` that agrees with the count n: "1 report", "2 reports" (CLDR's plural rule of the language).

    A text with plural forms holds a dict of CLDR categories ("one", "other", …) instead of a string; Indonesian
    has only "other", so its texts stay plain strings.
    """
    text = TEXTS[key][1 if language() == "en" else 0]
    if isinstance(text, dict):
        count = as_decimal(n)
        category = babel_locale(language()).plural_form(abs(count)) if count is not None else "other"
        text = text.get(category, text["other"])
    return filled(text, values)


def t_count(key: str, n) -> str:
    """A count with its noun, agreeing with it: "1 report", "2 reports" (the text's {count} is n, formatted)."""
    return t_plural(key, n, count=fmt_int(n))


def wordings(key: str) -> list[str]:
    """Every wording of a text: both languages, each plural form."""
    return [form for text in TEXTS[key] for form in (text.values() if isinstance(text, dict) else [text])]


def filled(text: str, values: dict) -> str:
    """The text with its {placeholders} filled, the quoted policy values among them."""
    if placeholders(text) & QUOTED:
        values = quoted_values() | values
    return text.format(**values) if values else text


@lru_cache(maxsize=len(LANGUAGES))
def babel_locale(lang: str) -> Locale:
    """The CLDR locale of a language; parsed once, as Babel would otherwise look it up on every number."""
    return Locale.parse(lang)


@lru_cache(maxsize=64)
def number_pattern(lang: str, kind: str, decimals: int, fixed: bool = True) -> NumberPattern:
    """The language's CLDR number pattern of `kind` ("decimal" or "percent") with exactly `decimals` decimals
    (or, if not `fixed`, up to `decimals`, without trailing zeros); parsed once."""
    cldr = getattr(babel_locale(lang), f"{kind}_formats")[None].pattern  # "#,##0.###", "#,##0%"
    fraction = "." + ("0" if fixed else "#") * decimals if decimals > 0 else ""
    return parse_number_pattern(PATTERN_DIGITS.sub(lambda digits: digits[0].split(".")[0] + fraction, cldr))


@lru_cache(maxsize=16)
def date_pattern(lang: str, kind: str) -> DateTimePattern:
    """The language's pattern for a "date", a "moment" (date and 24-hour time), a "time" or a "month"; parsed once."""
    skeletons = babel_locale(lang).datetime_skeletons
    pattern = {"date": DATE_PATTERN, "moment": f"{DATE_PATTERN} {skeletons['Hm'].pattern}",  # 08.39 / 08:39
               "time": skeletons["Hm"].pattern, "month": skeletons["yMMMM"].pattern}[kind]  # "Mei 2022"
    return parse_date_pattern(pattern)


def local_date(value, kind: str) -> str:
    """A date or time through the current language's pattern of `kind`."""
    lang = language()
    return date_pattern(lang, kind).apply(value, babel_locale(lang))


def as_decimal(value) -> Decimal | None:
    """The value as an exact decimal (a float as it prints), or None when it is no finite number (None, NaN, ∞)."""
    if value is None or isinstance(value, str) or pd.isna(value):
        return None
    number = Decimal(int(value)) if isinstance(value, numbers.Integral) else Decimal(str(float(value)))
    return number if number.is_finite() else None


def formatted(value, kind: str, decimals: int, fixed: bool = True) -> str:
    """A number through the current language's CLDR pattern; "–" when undefined; never "-0,0"."""
    number = as_decimal(value)
    if number is None:
        return MISSING
    lang = language()
    pattern = number_pattern(lang, kind, decimals, fixed)
    # A negative that rounds to zero would read "-0,0": rounding half to even, ±0.05 at one decimal is zero.
    if number.is_signed() and abs(number).scaleb(pattern.scale) <= Decimal(5).scaleb(-decimals - 1):
        number = abs(number)
    return pattern.apply(number, babel_locale(lang))


def fmt_int(value) -> str:
    """A whole number with Indonesian (1.234) or English (1,234) grouping, rounded; "–" when undefined."""
    return formatted(value, "decimal", 0)


def fmt_num(value, decimals: int = 1) -> str:
    """A number with Indonesian (1.234,5) or English (1,234.5) separators; "–" when undefined."""
    return formatted(value, "decimal", decimals)


def fmt_amount(value) -> str:
    """A threshold as people write it: 24, 1,5 (English 1.5), without trailing zeros."""
    return formatted(value, "decimal", 2, fixed=False)


def number_separators() -> str:
    """The current language's decimal and grouping symbols, in plotly's `separators` order: ",." or ".,"."""
    symbols = babel_locale(language()).number_symbols["latn"]
    return symbols["decimal"] + symbols["group"]


def fmt_weekdays(days) -> str:
    """Monday=0 weekdays as words: runs of three or more as "Senin–Sabtu", others listed ("Senin, Rabu")."""
    names, parts, run = babel_locale(language()).days["format"]["wide"], [], []
    for day in sorted(days):
        if run and day != run[-1] + 1:
            parts.append(run)
            run = []
        run.append(day)
    parts += [run] if run else []
    return ", ".join(f"{names[r[0]]}–{names[r[-1]]}" if len(r) >= 3 else ", ".join(names[d] for d in r)
                     for r in parts)


def fmt_pct(value, decimals: int = 1, sign: bool = True) -> str:
    """A fraction as a percentage: 0.835 -> "83,5%" ("83.5%" in English); "–" when undefined."""
    if sign:
        return formatted(value, "percent", decimals)
    number = as_decimal(value)  # scaled by a shift of the decimal point: 0.835 is 83.5, not 83.49999999999999
    return formatted(number.scaleb(2) if number is not None else None, "decimal", decimals)


def fmt_date(value: date) -> str:
    """A date as "5 Mei 2021" / "5 May 2021"; "–" when undefined."""
    return MISSING if value is None or pd.isna(value) else local_date(value, "date")


def fmt_moment(value: datetime) -> str:
    """A date and time as "18 April 2022 08.39" (Indonesian writes a dot between hours and minutes)."""
    return MISSING if value is None or pd.isna(value) else local_date(value, "moment")


def fmt_time(value: datetime) -> str:
    """A time of day as "08.39" ("08:39" in English); "–" when undefined."""
    return MISSING if value is None or pd.isna(value) else local_date(value, "time")


def fmt_local_moment(utc_value, zone_name: str) -> str:
    """A stored (naive UTC) time in local time with its zone's name: "18 April 2022 15.39 WIB"; "–" when undefined."""
    if utc_value is None or pd.isna(utc_value):
        return MISSING
    stamp = pd.Timestamp(utc_value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    local = stamp.to_pydatetime().astimezone(ZoneInfo(zone_name))
    return f"{fmt_moment(local)} {local.tzname()}"


def fmt_month(value: date) -> str:
    """A month as "November 2021"; "–" when undefined."""
    return MISSING if value is None or pd.isna(value) else local_date(value, "month")
