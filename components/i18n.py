"""Every user-facing text, in Bahasa Indonesia (default) and English, plus number and date formats."""

from __future__ import annotations

from datetime import date

import pandas as pd
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
    "overview.compared": ("dibandingkan dengan {start} – {end}", "compared with {start} – {end}"),
    "overview.counts": (
        "{officers} Bhabinkamtibmas · {villages} desa/kelurahan · {activities} laporan kegiatan · "
        "{complaints} pengaduan dalam periode",
        "{officers} Bhabinkamtibmas · {villages} villages · {activities} activity reports · "
        "{complaints} complaints in the period",
    ),
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
    "kpi.reporting_rate.help": ("Hari melapor ÷ hari wajib lapor seluruh petugas. Periode sebelumnya: {previous}.",
                                "Reported days ÷ expected days of all officers. Previous period: {previous}."),
    "kpi.on_time_rate": ("Laporan tepat waktu", "On-time reporting"),
    "kpi.on_time_rate.help": ("Hari dengan laporan terkirim ≤ 24 jam ÷ hari wajib lapor. Sebelumnya: {previous}.",
                              "Days with a report sent within 24 h ÷ expected days. Previous: {previous}."),
    "kpi.coverage": ("Cakupan DDS", "DDS coverage"),
    "kpi.coverage.help": ("Rumah tangga dikunjungi ÷ rumah tangga (desa yang jumlahnya diketahui). "
                          "Sebelumnya: {previous}.",
                          "Households visited ÷ households (villages with a known count). Previous: {previous}."),
    "kpi.dds_attainment": ("Capaian target DDS", "DDS target attainment"),
    "kpi.dds_attainment.help": ("Kunjungan DDS ÷ (2 × hari wajib lapor). Sebelumnya: {previous}.",
                                "DDS visits ÷ (2 × expected days). Previous: {previous}."),
    "kpi.sla_rate": ("Tanggapan ≤ 24 jam", "Answered ≤ 24 h"),
    "kpi.sla_rate.help": ("Pengaduan dalam periode yang ditanggapi dalam 24 jam. Sebelumnya: {previous}.",
                          "Complaints of the period answered within 24 hours. Previous: {previous}."),
    "kpi.open_backlog": ("Tunggakan pengaduan", "Open complaints"),
    "kpi.open_backlog.help": ("Pengaduan belum selesai pada akhir periode. Sebelumnya: {previous}.",
                              "Complaints not resolved at the end of the period. Previous: {previous}."),
    "kpi.crimes": ("Kejahatan (perubahan z)", "Crimes (change z)"),
    "kpi.crimes.help": ("Kejahatan dalam periode; perubahan ditulis sebagai z Poisson, |z| > 3 berarti perubahan "
                        "nyata. Sebelumnya: {previous}.",
                        "Crimes in the period; the change is a Poisson z, |z| > 3 is a real change. "
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
    "alert.none": ("Tidak ada. Bagus.", "None. Good."),
    "table.download": ("Unduh tabel (CSV)", "Download table (CSV)"),
    "alert.blind_spots": ("Desa titik buta: {count}", "Blind-spot villages: {count}"),
    "alert.blind_spots.help": ("Desa tanpa kunjungan DDS dalam 30 hari terakhir periode, terlama lebih dulu.",
                               "Villages without a DDS visit in the last 30 days of the period, longest first."),
    "alert.silent_officers": ("Bhabinkamtibmas tanpa laporan 7 hari atau lebih: {count}",
                              "Bhabinkamtibmas without a report for 7 days or more: {count}"),
    "alert.silent_officers.help": ("Petugas yang bertugas pada akhir periode (aktif, memegang desa, tidak cuti).",
                                   "Officers on duty at the end of the period (active, covering a village, "
                                   "not on leave)."),
    "alert.overdue_complaints": ("Pengaduan belum ditanggapi melewati 24 jam: {count}",
                                 "Complaints unanswered after 24 hours: {count}"),
    "alert.overdue_complaints.help": ("Masih terbuka pada akhir periode, terlama lebih dulu, dengan petugas "
                                      "yang bertanggung jawab.",
                                      "Still open at the end of the period, oldest first, with the officer "
                                      "responsible."),
    "alert.flag_spikes": ("Lonjakan laporan bertanda: {count}", "Spikes in flagged reports: {count}"),
    "alert.flag_spikes.help": ("Laporan bertanda naik nyata dibanding periode sebelumnya (z Poisson > 3): "
                               "tanda laporan formalitas, salin-tempel atau GPS bermasalah.",
                               "Flagged reports rose clearly against the previous period (Poisson z > 3): a sign "
                               "of formality reports, copy-paste or GPS problems."),
    "alert.submission_dips": ("Dugaan gangguan server: {count} hari", "Suspected server outages: {count} days"),
    "alert.submission_dips.help": ("Hari dengan laporan terkirim kurang dari seperempat biasanya (median hari "
                                   "yang sama dalam 8 minggu sebelumnya).",
                                   "Days with under a quarter of the usual submissions (median of the same weekday "
                                   "over the 8 weeks before)."),
    "alert.col.name": ("Nama", "Name"),
    "alert.col.polsek": ("Polsek", "Polsek"),
    "alert.col.officers": ("Bhabinkamtibmas", "Bhabinkamtibmas"),
    "alert.col.officer": ("Petugas", "Officer"),
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
    "map.blind_spot": ("titik buta (tanpa DDS 30 hari)", "blind spot (no DDS in 30 days)"),
    "map.never": ("belum pernah", "never"),
    "map.no_officer": ("belum ada petugas", "no officer assigned"),
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
    "nav.compliance": ("Kepatuhan Pelaporan", "Reporting Compliance"),
    "nav.scorecard": ("Rapor Bhabinkamtibmas", "Officer Scorecard"),
    "nav.quality": ("Kualitas Data", "Data Quality"),
    "table.download_excel": ("Unduh Excel", "Download Excel"),
    "flag.late": ("terlambat > 24 jam", "late > 24 h"),
    "flag.time_inconsistent": ("waktu janggal", "time inconsistent"),
    "flag.gps_missing": ("tanpa GPS", "no GPS"),
    "flag.gps_outside": ("GPS di luar desa", "GPS outside village"),
    "flag.duplicate_photo": ("foto dipakai ulang", "reused photo"),
    "flag.duplicate_narrative": ("narasi salinan", "copied narrative"),
    "flag.impossible_travel": ("perjalanan mustahil", "impossible travel"),
    "compliance.title": ("Kepatuhan Pelaporan", "Reporting Compliance"),
    "compliance.no_officers": ("Belum ada Bhabinkamtibmas di cakupan ini.", "There are no Bhabinkamtibmas in this scope."),
    "compliance.search": ("Cari nama atau NRP", "Search name or NRP"),
    "compliance.polsek": ("Polsek", "Polsek"),
    "compliance.all_polsek": ("Semua Polsek", "All Polsek"),
    "compliance.only_red": ("Hanya yang perlu perhatian", "Only those needing attention"),
    "compliance.only_red_help": ("Petugas dengan sedikitnya satu nilai merah.", "Officers with at least one red value."),
    "compliance.showing": ("{shown} dari {total} petugas", "{shown} of {total} officers"),
    "compliance.lights": ("Hijau: baik · kuning: perlu perhatian · merah: di bawah 70% atau tanpa laporan 7 hari",
                          "Green: good · amber: watch · red: below 70% or silent for 7 days"),
    "compliance.col.name": ("Nama", "Name"),
    "compliance.col.rank": ("Pangkat", "Rank"),
    "compliance.col.nrp": ("NRP", "NRP"),
    "compliance.col.polsek_name": ("Polsek", "Polsek"),
    "compliance.col.village_names": ("Desa binaan", "Villages covered"),
    "compliance.col.expected_days": ("Hari wajib lapor", "Expected days"),
    "compliance.col.reporting_rate": ("Pelaporan", "Reporting"),
    "compliance.col.reporting_rate_on_time": ("Tepat waktu", "On time"),
    "compliance.col.dds_attainment": ("Capaian DDS", "DDS attainment"),
    "compliance.col.quality_rate": ("Mutu laporan", "Report quality"),
    "compliance.col.days_since_report": ("Hari sejak laporan terakhir", "Days since last report"),
    "calendar.title": ("Kalender pelaporan", "Reporting calendar"),
    "calendar.help": ("Setiap kotak satu hari. Untuk cakupan besar, satu baris per Polsek: bagian hari wajib lapor "
                      "yang dilaporkan.",
                      "One box per day. For large scopes, one row per Polsek: the share of expected days reported."),
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
    "delays.threshold": ("batas terlambat {hours} jam", "late after {hours} h"),
    "delays.summary": ("Median {median} jam · 90% terkirim dalam {p90} jam · {late} lewat {hours} jam. Bila banyak "
                       "laporan tepat di sekitar batas, jendela kirim mungkin terlalu pendek.",
                       "Median {median} h · 90% sent within {p90} h · {late} later than {hours} h. Many reports just "
                       "around the line suggest the reporting window is too short."),
    "score.title": ("Rapor Bhabinkamtibmas", "Officer Scorecard"),
    "score.search": ("Cari Bhabinkamtibmas (nama atau NRP)", "Find an officer (name or NRP)"),
    "score.search_placeholder": ("mis. Sulistyo atau 9705", "e.g. Sulistyo or 9705"),
    "score.pick": ("Pilih petugas", "Pick an officer"),
    "score.pick_placeholder": ("— pilih —", "— choose —"),
    "score.choose": ("Ketik sebagian nama atau NRP, lalu pilih petugas.", "Type part of a name or NRP, then pick."),
    "score.none_found": ("Tidak ada petugas yang cocok di cakupan ini.", "No officer in this scope matches."),
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
    "score.percentile": ("persentil {pct} dari {peers}", "percentile {pct} of {peers}"),
    "score.numbers": ("{reports} laporan · {dds} kunjungan DDS · melapor {reported} dari {expected} hari wajib",
                      "{reports} reports · {dds} DDS visits · reported on {reported} of {expected} expected days"),
    "score.villages": ("Desa binaan", "Villages covered"),
    "score.no_villages": ("Petugas ini tidak memegang desa dalam periode.", "This officer covered no village in the period."),
    "score.mix": ("Jenis kegiatan (tujuh kegiatan wajib)", "Activity mix (seven mandatory activities)"),
    "score.reports": ("Laporan", "Reports"),
    "score.dds_visits": ("Kunjungan DDS", "DDS visits"),
    "score.trend": ("Perkembangan 6 bulan terakhir", "Last six months"),
    "score.flagged_share": ("% laporan bertanda", "% flagged reports"),
    "score.flagged": ("Laporan bertanda", "Flagged reports"),
    "score.flagged_total": ("{count} laporan", "{count} reports"),
    "score.no_flags": ("Tidak ada laporan bertanda dalam periode.", "No flagged report in the period."),
    "score.col.when": ("Waktu", "When"),
    "score.col.type": ("Kegiatan", "Activity"),
    "score.col.village": ("Desa", "Village"),
    "score.col.reasons": ("Alasan", "Why"),
    "score.col.narrative": ("Uraian laporan", "Report text"),
    "score.col.report": ("No. laporan", "Report id"),
    "gap.none": ("Tidak ada kekurangan yang menonjol dalam periode ini.", "No notable gap in this period."),
    "gap.unvisited": ("{count} desa belum dikunjungi (DDS) 30 hari terakhir: {villages}.",
                      "{count} villages without a DDS visit in the last 30 days: {villages}."),
    "gap.missing_days": ("{count} dari {expected} hari wajib lapor tanpa laporan.",
                         "{count} of {expected} expected days without a report."),
    "gap.late": ("{count} laporan terlambat lebih dari 24 jam.", "{count} reports sent more than 24 hours late."),
    "gap.dds_target": ("Kunjungan DDS {visits} dari target {target}.", "{visits} DDS visits against a target of {target}."),
    "gap.same_households": ("{visits} kunjungan DDS hanya ke {households} rumah tangga: kunjungan berulang ke rumah "
                            "yang sama, bukan menjangkau warga baru.",
                            "{visits} DDS visits went to only {households} households: the same homes again, "
                            "not new residents."),
    "gap.duplicate_narrative": ("{count} dari {reports} laporan memakai uraian yang sama (salin-tempel).",
                                "{count} of {reports} reports repeat the same text (copy-paste)."),
    "gap.duplicate_photo": ("{count} laporan memakai foto yang sudah pernah dikirim.",
                            "{count} reports reuse a photo sent before."),
    "gap.gps_outside": ("{count} laporan dikirim dari luar desa yang dilaporkan (lebih dari 200 m).",
                        "{count} reports were sent from outside the reported village (over 200 m)."),
    "gap.gps_missing": ("{count} laporan tanpa titik GPS.", "{count} reports without a GPS point."),
    "gap.impossible_travel": ("{count} laporan dengan perpindahan tempat yang mustahil (lebih dari 80 km/jam).",
                              "{count} reports with an impossible move (faster than 80 km/h)."),
    "gap.time_inconsistent": ("{count} laporan dikirim sebelum kegiatannya terjadi (jam HP salah?).",
                              "{count} reports were sent before the activity took place (wrong phone clock?)."),
    "gap.activities": ("Belum ada laporan kegiatan: {activities}.", "No report yet of: {activities}."),
    "quality.title": ("Kualitas Data", "Data Quality"),
    "quality.summary": ("{flagged} dari {reports} laporan dalam periode bertanda.",
                        "{flagged} of {reports} reports in the period are flagged."),
    "quality.tab.overview": ("Ringkasan tanda", "Flags overview"),
    "quality.tab.flagged": ("Laporan bertanda", "Flagged reports"),
    "quality.tab.copies": ("Salinan & foto ulang", "Copies & reused photos"),
    "quality.tab.gps": ("GPS & perjalanan", "GPS & travel"),
    "quality.tab.outages": ("Gangguan server", "Server outages"),
    "quality.flags": ("Laporan bertanda", "Flagged reports"),
    "quality.week": ("Minggu mulai", "Week starting"),
    "quality.filter_flags": ("Jenis tanda", "Flag types"),
    "quality.filter_officer": ("Petugas (nama atau NRP)", "Officer (name or NRP)"),
    "quality.showing": ("{shown} dari {total} laporan bertanda", "{shown} of {total} flagged reports"),
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
    "quality.names": ("Nama petugas", "Officer names"),
    "quality.first": ("Pertama", "First"),
    "quality.last": ("Terakhir", "Last"),
    "quality.gps_outside": ("Laporan dari luar desa: {count}", "Reports from outside the village: {count}"),
    "quality.gps_tooltip": ("{officer}\n{village}\n{distance} km dari batas desa",
                            "{officer}\n{village}\n{distance} km from the village boundary"),
    "quality.distance_km": ("Jarak dari desa (km)", "Distance from village (km)"),
    "quality.travel": ("Perjalanan mustahil: {count}", "Impossible travel: {count}"),
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
    "quality.start_utc": ("Mulai (UTC)", "Start (UTC)"),
    "quality.end_utc": ("Selesai (UTC)", "End (UTC)"),
    "quality.where": ("Wilayah", "Where"),
    "quality.everywhere": ("seluruh wilayah", "everywhere"),
    "quality.hours": ("Jam", "Hours"),
    "quality.note": ("Catatan", "Note"),
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
    """A whole number with Indonesian (1.234) or English (1,234) grouping; "–" when undefined."""
    if pd.isna(value):
        return "–"
    text = f"{int(value):,}"
    return text.replace(",", ".") if language() == "id" else text


def fmt_num(value, decimals: int = 1) -> str:
    """A number with Indonesian (1.234,5) or English (1,234.5) separators; "–" when undefined."""
    if pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if language() == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(value, decimals: int = 1, sign: bool = True) -> str:
    """A fraction as a percentage: 0.835 -> "83,5%" ("83.5%" in English); "–" when undefined."""
    if pd.isna(value):
        return "–"
    return fmt_num(float(value) * 100, decimals) + ("%" if sign else "")


def fmt_date(value: date) -> str:
    """A date as "5 Mei 2021" / "5 May 2021"."""
    return f"{value.day} {MONTHS[language()][value.month - 1]} {value.year}"


def fmt_month(value: date) -> str:
    """A month as "November 2021"."""
    return f"{MONTHS[language()][value.month - 1]} {value.year}"
