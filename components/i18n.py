"""Every user-facing text, in Bahasa Indonesia (default) and English, plus number and date formats."""

from __future__ import annotations

from datetime import date

import streamlit as st

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

# key: (Indonesian, English)
TEXTS: dict[str, tuple[str, str]] = {
    "app.name": ("Dasbor Binmas", "Binmas Dashboard"),
    "app.subtitle": ("Bhabinkamtibmas · BOS V2", "Bhabinkamtibmas · BOS V2"),
    "nav.overview": ("Ringkasan", "Overview"),
    "nav.definitions": ("Definisi angka", "Definitions"),
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
        "Tanggal awal dan akhir (tanggal lokal desa). Bawaan: 30 hari terakhir yang ada datanya.",
        "First and last day (village local dates). Default: the last 30 days with data.",
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
    "scope.caption": ("{scope} · {start} – {end} ({days} hari)", "{scope} · {start} – {end} ({days} days)"),
    "overview.title": ("Ringkasan", "Overview"),
    "overview.officers": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "overview.officers_help": ("Petugas terdaftar pada Polsek dalam cakupan.",
                               "Officers registered with a Polsek in scope."),
    "overview.villages": ("Desa/kelurahan", "Villages"),
    "overview.activities": ("Laporan kegiatan", "Activity reports"),
    "overview.activities_help": ("Laporan dengan tanggal kegiatan (lokal) dalam periode.",
                                 "Reports whose (local) activity date lies in the period."),
    "overview.complaints": ("Pengaduan masyarakat", "Public complaints"),
    "overview.complaints_help": ("Pengaduan yang dibuat dalam periode.", "Complaints created in the period."),
    "overview.by_type": ("Kegiatan menurut jenis", "Activities by type"),
    "table.download": ("Unduh tabel (CSV)", "Download table (CSV)"),
    "column.activity_type": ("Jenis kegiatan", "Activity type"),
    "column.activities": ("Jumlah laporan", "Reports"),
    "footer.window": ("Data: {first} – {last} · impor terakhir {imported}",
                      "Data: {first} – {last} · last import {imported}"),
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


def language() -> str:
    """The language chosen in the sidebar ("id" unless English was picked)."""
    return st.session_state.get("lang", "id")


def t(key: str, **values) -> str:
    """The text for `key` in the current language, with {placeholders} filled."""
    indonesian, english = TEXTS[key]
    text = english if language() == "en" else indonesian
    return text.format(**values) if values else text


def fmt_int(value) -> str:
    """A whole number with Indonesian (1.234) or English (1,234) grouping."""
    text = f"{int(value):,}"
    return text.replace(",", ".") if language() == "id" else text


def fmt_date(value: date) -> str:
    """A date as "5 Mei 2021" / "5 May 2021"."""
    return f"{value.day} {MONTHS[language()][value.month - 1]} {value.year}"
