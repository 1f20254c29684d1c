"""Deterministic generator of a realistic BOS V2 export for the three field-study districts.

The villages are real (see ATTRIBUTION.md); everything else is synthetic, drawn with a fixed
seed so the same code always writes byte-identical files. The data tells the stories the
field research found, so every page has something true to show:

- diligent officers next to "formality" reporters, who report every day but copy-paste their
  narratives, reuse photos, send GPS from the Polsek office (or none) and visit the same few
  households again and again;
- late submitters who send reports in batches days later, and sporadic reporters, some of
  whom stopped reporting in the last weeks;
- a multi-day national server outage (with the backlog of submissions after it), a Polres-only
  outage in Hulu Sungai Utara, and a 2.5-hour outage that excuses nothing;
- officers covering two villages, reassignments, vacancies, transfers and leave;
- complaints with a long-tailed response time, some never answered, fastest in Cirebon;
- crime where Polsek Karangjati ranks among the highest in Ngawi with a rising trend;
- Hulu Sungai Utara in WITA (UTC+8), timestamps with and without offsets.

Activities run from the BOS V2 launch (5 May 2021) for a year and ten days; crimes start two years
earlier, so before/after comparisons around the launch have data on both sides and a forecast can be
backtested over the last twelve months against "same period last year" and "mean of the last twelve
months". Crime also has something true to find (sample_data/crime_signal.py): hot spots, near-repeat
bursts, the Ramadan-Lebaran season, early-detection reports rising before some bursts, and villages
where nothing is predictable.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from sample_data import crime_signal

SEED = 20210505
REFERENCE_FILE = Path(__file__).resolve().parent / "villages_seed_regions.geojson"
START = date(2021, 5, 5)  # BOS V2 launch
END = date(2022, 5, 15)
CRIME_START = date(2019, 5, 5)
STORY_START = date(2020, 5, 1)  # Karangjati's rise is measured from here (crimes began here before issue 19)
ASSIGNMENT_START = date(2021, 1, 1)

POLDA = {"32": "Polda Jawa Barat", "35": "Polda Jawa Timur", "63": "Polda Kalimantan Selatan"}
POLRES = {"32.74": "Polres Cirebon Kota", "35.21": "Polres Ngawi", "63.08": "Polres Hulu Sungai Utara"}
UTC_OFFSET = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}

# Server outages: (start, end) in local time of `zone`, unit (None = everywhere), note.
OUTAGES = (
    (datetime(2021, 11, 16, 6, 0), datetime(2021, 11, 18, 20, 0), "Asia/Jakarta", None,
     "Gangguan server BOS V2 nasional; laporan tertunda"),
    (datetime(2022, 2, 9, 8, 0), datetime(2022, 2, 9, 18, 0), "Asia/Makassar", "PR-63.08",
     "Gangguan jaringan di wilayah Polres Hulu Sungai Utara"),
    (datetime(2022, 3, 14, 9, 0), datetime(2022, 3, 14, 11, 30), "Asia/Jakarta", None,
     "Pemeliharaan server terjadwal"),
)

PROFILES = {
    # share of officers, chance of working a reporting day, mean DDS and other reports per working day
    "diligent": (0.56, 0.93, 2.3, 0.8),
    "average": (0.14, 0.80, 1.6, 0.6),
    "late": (0.10, 0.84, 1.9, 0.7),
    "formality": (0.10, 0.97, 2.2, 0.6),
    "sporadic": (0.10, 0.45, 1.2, 0.5),
}
OTHER_TYPES = ("deteksi_dini", "problem_solving", "pelayanan", "giat_desa", "binluh", "siskamling", "lainnya")
OTHER_WEIGHTS = (0.24, 0.07, 0.16, 0.16, 0.2, 0.13, 0.04)
RANKS = ("Bripda", "Briptu", "Brigpol", "Bripka", "Aipda", "Aiptu")
RANK_WEIGHTS = (0.04, 0.12, 0.28, 0.3, 0.16, 0.1)

NAMES = {
    "32": (("Asep", "Dedi", "Ujang", "Iwan", "Yayan", "Cecep", "Dadang", "Rohman", "Ade", "Deden", "Eman",
            "Hendra", "Jajang", "Nanang", "Rudi", "Taufik", "Wawan", "Yusuf", "Ahmad", "Kurnia"),
           ("Sutisna", "Kurniawan", "Permana", "Hermawan", "Supriatna", "Gunawan", "Ruhiyat", "Saputra",
            "Hidayat", "Suryana", "Nugraha", "Rahmat", "Firmansyah", "Setiadi", "Mulyana", "Sopandi")),
    "35": (("Agus", "Bambang", "Budi", "Dwi", "Eko", "Hadi", "Joko", "Slamet", "Sugeng", "Suparman", "Teguh",
            "Wahyu", "Yudi", "Heru", "Sutrisno", "Purnomo", "Sunarto", "Rudi", "Anang", "Catur", "Didik",
            "Edi", "Gatot", "Imam", "Puji", "Rahmad", "Sigit", "Tri"),
           ("Setiawan", "Santoso", "Prasetyo", "Susanto", "Wibowo", "Hidayat", "Saputro", "Nugroho",
            "Kurniawan", "Purwanto", "Wijaya", "Hartono", "Suryadi", "Widodo", "Utomo", "Raharjo",
            "Mulyono", "Sulistyo", "Haryanto", "Subagyo")),
    "63": (("Ahmad", "Muhammad", "Abdul", "Rahmadi", "Syahrani", "Rusdiansyah", "Fahrurrazi", "Anshari",
            "Mursyid", "Hairil", "Rizali", "Zainal", "Hamdani", "Irwan", "Jumberi", "Mahyuni", "Saberi",
            "Taufik", "Yusran", "Norhadi"),
           ("Noor", "Rahman", "Hidayat", "Fauzi", "Arifin", "Ramadhani", "Hasan", "Saleh", "Yusuf",
            "Maulana", "Rifani", "Anwar", "Syarifudin", "Effendi", "Husin", "Mahmud")),
}
RESIDENT_FIRST = ("Sarmin", "Kasiyem", "Tukiran", "Suminah", "Paijo", "Wagiman", "Sutinah", "Karno", "Warsini",
                  "Darmo", "Rusmini", "Samijan", "Sumarni", "Jumadi", "Parmin", "Legiman", "Sainah", "Tarno",
                  "Mardi", "Siti", "Aminah", "Rohimah", "Juhri", "Masrani", "Salmah", "Idup", "Kusnadi",
                  "Nurhayati", "Warto", "Sukardi", "Painem", "Kasmijan", "Sholeh", "Maryam", "Juned", "Rasidi")
RESIDENT_LAST = ("", "Wiryo", "Sastro", "Harjo", "Atmojo", "Prawiro", "Noor", "Bakri", "Hamid", "Sudarmo",
                 "Kromo", "Dipo", "Sentono", "Arjo", "Rejo", "Tarmizi", "Gazali", "Saputra", "Kartono")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
TOPICS = (
    "himbauan waspada pencurian hewan ternak", "ajakan menjaga kebersihan lingkungan dan mencegah DBD",
    "sosialisasi protokol kesehatan dan vaksinasi Covid-19", "bahaya narkoba bagi remaja",
    "bahaya judi online", "himbauan tidak mudah percaya berita hoaks", "layanan darurat Polri 110",
    "ajakan aktif ronda malam", "kewaspadaan terhadap penipuan lewat telepon",
    "keamanan kendaraan bermotor dengan kunci ganda", "pencegahan kenakalan remaja dan balap liar",
    "pencegahan kekerasan dalam rumah tangga", "kerukunan antarwarga menjelang hari raya",
    "tertib berlalu lintas bagi pelajar", "larangan membakar sampah dan lahan sembarangan",
    "kesiapsiagaan menghadapi banjir", "perlindungan anak dan perempuan",
)
DDS_OPENINGS = ("Melaksanakan DDS (sambang) ke rumah", "Door to door system ke kediaman",
                "Sambang dan silaturahmi ke rumah", "Kunjungan DDS ke rumah", "Melakukan sambang warga di rumah",
                "Bhabinkamtibmas mengunjungi rumah")
CLOSINGS = ("Situasi aman dan kondusif.", "Warga menyambut baik kegiatan ini.",
            "Warga menyampaikan tidak ada keluhan.", "Warga mengeluhkan lampu jalan padam, diteruskan ke pemdes.",
            "Kegiatan berjalan lancar.", "Dilanjutkan dialog singkat tentang keamanan lingkungan.",
            "Warga berjanji ikut menjaga keamanan kampung.", "Warga menanyakan pembuatan SKCK, sudah dijelaskan.")
OTHER_TEXT = {
    "deteksi_dini": ("Deteksi dini: menerima informasi dari {person} tentang {issue} di {place}. "
                     "Informasi diteruskan ke Kanit Binmas."),
    "problem_solving": ("Problem solving: memediasi {conflict} antara {person} dan {person2} di {place}; "
                        "kedua pihak sepakat menyelesaikan secara kekeluargaan."),
    "pelayanan": "Pelayanan kepolisian: membantu {service} untuk {person} warga {place}.",
    "giat_desa": "Menghadiri {event} di balai desa {village} bersama Babinsa dan {person} dari perangkat desa.",
    "binluh": "Binluh: penyuluhan tentang {topic} kepada {audience} di {place}, difasilitasi {person}.",
    "siskamling": ("Giat siskamling: mengecek pos kamling {place} bersama {person} dan memberi arahan tentang "
                   "{topic} kepada petugas ronda."),
    "lainnya": "Kegiatan lain: {misc} di {place} bersama {person}.",
}
ISSUES = ("rencana pesta pernikahan dengan hiburan organ tunggal", "pendatang baru yang belum lapor RT",
          "dugaan peredaran miras oplosan", "keributan pemuda di warung kopi", "rencana unjuk rasa petani",
          "isu penculikan anak yang beredar di media sosial", "aktivitas judi sabung ayam")
CONFLICTS = ("sengketa batas tanah", "perselisihan utang piutang", "cekcok antartetangga soal saluran air",
             "kesalahpahaman soal ternak yang merusak sawah", "perselisihan warisan")
SERVICES = ("pengurusan surat kehilangan", "pembuatan SKCK", "laporan kehilangan sepeda motor",
            "pengamanan acara hajatan", "penyeberangan anak sekolah")
EVENTS = ("musyawarah desa", "kerja bakti membersihkan saluran", "penyaluran bantuan sosial",
          "rapat persiapan peringatan HUT RI", "posyandu balita", "vaksinasi massal")
AUDIENCES = ("pelajar SMP", "karang taruna", "ibu-ibu PKK", "jamaah pengajian", "kelompok tani", "pengemudi ojek")
MISCS = ("membantu evakuasi pohon tumbang", "pengamanan pertandingan sepak bola antardesa",
         "membantu warga yang terdampak banjir", "patroli dialogis di pasar desa")
FORMALITY_TEXTS = (
    "Melaksanakan sambang DDS kepada warga binaan RT {rt}, menyampaikan pesan kamtibmas. Situasi aman dan kondusif.",
    "Giat Bhabinkamtibmas RT {rt} RW {rw}: sambang warga, situasi aman terkendali.",
    "Melaksanakan tugas rutin Bhabinkamtibmas di desa binaan, situasi aman kondusif.",
)
COMPLAINT_CATEGORIES = ("Gangguan ketertiban", "Pencurian", "Sengketa tanah", "Kenakalan remaja", "KDRT",
                        "Narkoba", "Penipuan", "Lalu lintas", "Pelayanan Polri")
COMPLAINT_WEIGHTS = (0.2, 0.18, 0.08, 0.12, 0.07, 0.06, 0.1, 0.1, 0.09)
CHANNELS = ("Aplikasi BOS", "WhatsApp", "Telepon 110", "Datang langsung", "Media sosial")
CHANNEL_WEIGHTS = (0.3, 0.34, 0.12, 0.16, 0.08)
# Median hours to a first answer per Polres, and the share of complaints never answered.
RESPONSE = {"32.74": (3.0, 0.05), "35.21": (9.0, 0.1), "63.08": (18.0, 0.16)}
CRIME_CATEGORIES = ("Pencurian dengan pemberatan", "Pencurian kendaraan bermotor", "Pencurian biasa",
                    "Penganiayaan", "Penipuan", "Narkoba", "KDRT", "Perjudian")
CRIME_WEIGHTS = (0.22, 0.16, 0.18, 0.12, 0.1, 0.08, 0.07, 0.07)
CRIME_RATE = 0.55  # crimes per 10,000 residents per month, before local factors


@dataclass
class Village:
    code: str
    name: str
    district: str
    regency_code: str
    unit_code: str
    zone: str
    households: int | None
    population: int | None
    points: np.ndarray  # (n, 2) lat/lng inside the polygon
    feature: dict


@dataclass
class Officer:
    nrp: str
    name: str
    rank: str
    unit_code: str
    profile: str
    zone: str
    active_from: date | None = None
    active_to: date | None = None
    gap: tuple[date, date] | None = None  # sporadic reporters: a stretch with no reports
    lapse_from: date | None = None  # a diligent officer who starts copy-pasting in the last weeks
    clock_wrong: bool = False
    households: dict[str, np.ndarray] = field(default_factory=dict)  # formality: the few they "visit"


class SampleGenerator:
    """Builds the sample export in memory, then writes it; `generate` is the entry point."""

    def __init__(self, seed: int = SEED, structure: str = "sample"):
        self.rng = np.random.default_rng(seed)  # arrays and distributions
        self.r = random.Random(seed)  # scalar draws in the hot loops (much cheaper per call)
        self.lead_r = random.Random(f"deteksi-dini-{seed}")  # extra early-detection reports, a stream apart
        self.seed = seed
        self.structure = crime_signal.STRUCTURES[structure]
        self.signal: crime_signal.SignalPlan | None = None
        self.neighbours: tuple[np.ndarray, np.ndarray] | None = None
        self.villages: list[Village] = []
        self.units: list[dict] = []
        self.officers: list[Officer] = []
        self.assignments: list[dict] = []
        self.leave: dict[str, list[tuple[date, date]]] = {}
        self.offices: dict[str, tuple[float, float]] = {}
        self.start, self.end = START, END
        self.outages = OUTAGES
        self.pair_share = 0.55  # share of rural officers covering two villages
        self.intensity = 1.0  # reports per working day, relative to the sample

    # -- geography and people -------------------------------------------------------------
    def build_units_and_villages(self) -> None:
        reference = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
        features = sorted(reference["features"], key=lambda f: f["properties"]["village_code"])
        districts: dict[str, str] = {}
        for feature in features:
            p = feature["properties"]
            districts[p["district_code"]] = p["district"]
        for province, name in POLDA.items():
            self.units.append({"code": f"PD-{province}", "name": name, "level": "polda", "parent_code": ""})
        for regency, name in POLRES.items():
            self.units.append({"code": f"PR-{regency}", "name": name, "level": "polres",
                               "parent_code": f"PD-{regency[:2]}"})
        for district_code, name in sorted(districts.items()):
            self.units.append({"code": f"PS-{district_code}", "name": f"Polsek {name}", "level": "polsek",
                               "parent_code": f"PR-{district_code[:5]}"})
        # A few remote HSU villages have no household or population count (shown as "unknown").
        hsu = [f["properties"]["village_code"] for f in features if f["properties"]["district"] == "Paminggir"]
        unknown = set(hsu[:3])
        for feature in features:
            p = feature["properties"]
            polygon = shape(feature["geometry"])
            code = p["village_code"]
            households, population = p["households"], p["population"]
            if code in unknown:
                households = population = None
            elif self.rng.random() < 0.12:
                households = None  # derived from population at import
            self.villages.append(Village(
                code=code, name=p["village"], district=p["district"], regency_code=p["regency_code"],
                unit_code=f"PS-{p['district_code']}", zone=p["timezone"], households=households,
                population=population, points=self._points_inside(polygon, 160), feature=feature,
            ))
        for unit in self.units:
            if unit["level"] == "polsek":
                members = [v for v in self.villages if v.unit_code == unit["code"]]
                town = next((v for v in members if v.name == v.district), members[0])
                self.offices[unit["code"]] = tuple(town.points[0])

    def _points_inside(self, polygon, count: int) -> np.ndarray:
        """Random (lat, lng) points inside a polygon, kept away from its edge."""
        shrunk = polygon.buffer(-0.0015)
        inner = shrunk if shrunk.area > polygon.area * 0.2 else polygon
        min_x, min_y, max_x, max_y = inner.bounds
        found = []
        while len(found) < count:
            xs = self.rng.uniform(min_x, max_x, count * 3)
            ys = self.rng.uniform(min_y, max_y, count * 3)
            keep = shapely.contains_xy(inner, xs, ys)
            found.extend(zip(np.round(ys[keep], 6), np.round(xs[keep], 6)))
        return np.array(found[:count])

    def build_officers(self) -> None:
        serials = iter(range(1001, 10**7))  # four digits in the sample
        profiles = list(PROFILES)
        shares = np.array([PROFILES[p][0] for p in profiles])
        for unit in (u for u in self.units if u["level"] == "polsek"):
            members = [v for v in self.villages if v.unit_code == unit["code"]]
            order = self.rng.permutation(len(members))
            queue = [members[i] for i in order]
            while queue:
                # Urban kelurahan get one officer each; elsewhere about half the officers cover two villages.
                rural = queue[0].regency_code != "32.74"
                take = 2 if len(queue) > 1 and rural and self.rng.random() < self.pair_share else 1
                covered, queue = queue[:take], queue[take:]
                officer = self._new_officer(unit["code"], covered[0].zone, next(serials),
                                            profiles[self.rng.choice(len(profiles), p=shares / shares.sum())])
                for village in covered:
                    self.assignments.append({"nrp": officer.nrp, "village_code": village.code,
                                             "start_date": ASSIGNMENT_START, "end_date": None})
        self._reassignments(serials)
        diligent = [o for o in self.officers if o.profile == "diligent" and o.unit_code.startswith("PS-35.21")]
        for index in self.rng.choice(len(diligent), size=min(3, len(diligent)), replace=False):
            diligent[index].lapse_from = self.end - timedelta(days=34)  # a flagged-report spike in Ngawi
        for officer in self.officers:
            self.leave[officer.nrp] = self._leave_periods()

    def _new_officer(self, unit_code: str, zone: str, serial: int, profile: str) -> Officer:
        province = unit_code[3:5]
        first, last = NAMES[province]
        name = f"{first[self.rng.integers(len(first))]} {last[self.rng.integers(len(last))]}"
        birth = f"{self.rng.integers(75, 99):02d}{self.rng.integers(1, 13):02d}"
        officer = Officer(nrp=f"{birth}{serial:04d}", name=name,
                          rank=RANKS[self.rng.choice(len(RANKS), p=RANK_WEIGHTS)], unit_code=unit_code,
                          profile=profile, zone=zone)
        if profile == "sporadic":
            if self.rng.random() < 0.5:
                officer.gap = (self.end - timedelta(days=int(self.rng.integers(9, 45))), self.end)
            else:
                start = self.start + timedelta(days=int(self.rng.integers(30, 300)))
                officer.gap = (start, start + timedelta(days=int(self.rng.integers(10, 40))))
        officer.clock_wrong = self.rng.random() < 0.02
        self.officers.append(officer)
        return officer

    def _reassignments(self, serials) -> None:
        """Transfers with successors, reassignments inside a Polsek, and a few vacancies."""
        by_village = {a["village_code"]: a for a in self.assignments}
        villages = sorted(by_village)
        scale = max(1, round(len(villages) / 458))  # 26 changes per 458 villages, as in the sample
        picks = [villages[i] for i in self.rng.choice(len(villages), size=26 * scale, replace=False)]
        transfers, swaps, vacancies = picks[:6 * scale], picks[6 * scale:20 * scale], picks[20 * scale:]
        for code in transfers:  # the officer is transferred out; a newcomer takes over
            old = next(o for o in self.officers if o.nrp == by_village[code]["nrp"])
            if old.active_to is not None:
                continue
            change = self.start + timedelta(days=int(self.rng.integers(90, 330)))
            old.active_to = change - timedelta(days=1)
            newcomer = self._new_officer(old.unit_code, old.zone, next(serials), "diligent")
            newcomer.active_from = change
            for assignment in [a for a in self.assignments if a["nrp"] == old.nrp]:
                assignment["end_date"] = old.active_to
                self.assignments.append({"nrp": newcomer.nrp, "village_code": assignment["village_code"],
                                         "start_date": change, "end_date": None})
        for code in swaps:  # another officer of the same Polsek takes the village over
            current = by_village[code]
            if current["end_date"] is not None:
                continue
            unit = next(v.unit_code for v in self.villages if v.code == code)
            colleagues = [o for o in self.officers if o.unit_code == unit and o.nrp != current["nrp"]
                          and o.active_to is None and o.active_from is None]
            if not colleagues:
                continue
            successor = colleagues[self.rng.integers(len(colleagues))]
            change = self.start + timedelta(days=int(self.rng.integers(60, 360)))
            current["end_date"] = change - timedelta(days=1)
            self.assignments.append({"nrp": successor.nrp, "village_code": code, "start_date": change,
                                     "end_date": None})
        for code in vacancies:  # the post stays empty for a while (or until the end of the data)
            current = by_village[code]
            if current["end_date"] is not None:
                continue
            ends = self.end - timedelta(days=int(self.rng.integers(35, 120)))
            current["end_date"] = ends
            if self.rng.random() < 0.5:
                back = ends + timedelta(days=int(self.rng.integers(20, 40)))
                if back <= self.end:
                    self.assignments.append({"nrp": current["nrp"], "village_code": code, "start_date": back,
                                             "end_date": None})

    def _leave_periods(self) -> list[tuple[date, date]]:
        periods = []
        for _ in range(self.rng.choice([0, 1, 1, 2, 2, 3])):
            # A one-day period still draws (max 1): the same draws for any longer one.
            start = self.start + timedelta(days=int(self.rng.integers(0, max(1, (self.end - self.start).days))))
            length = int(self.rng.choice([2, 3, 5, 6, 10, 12, 30], p=[0.2, 0.2, 0.2, 0.15, 0.12, 0.1, 0.03]))
            end = start + timedelta(days=length - 1)
            if all(end < s or start > e for s, e in periods):  # leave periods never overlap
                periods.append((start, end))
        return sorted(periods)

    # -- reports ----------------------------------------------------------------------------
    def build_activities(self) -> list[dict]:
        return [row for rows in self.iter_activities() for row in rows]

    def iter_activities(self, days: list[date] | None = None):
        """Each officer's reports, one list per officer (so large exports can be streamed).

        days: the dates to report on (default every day from start to end).
        """
        villages = {v.code: v for v in self.villages}
        self.village_codes = sorted(villages)
        outages = self._outages_utc()
        by_officer: dict[str, list[dict]] = {}
        for a in self.assignments:
            by_officer.setdefault(a["nrp"], []).append(a)
        photo_pools = {unit: [self._hash(f"pool-{unit}-{i}") for i in range(4)]
                       for unit in sorted({o.unit_code for o in self.officers})}
        days = days if days is not None else [self.start + timedelta(days=n)
                                              for n in range((self.end - self.start).days + 1)]
        r = self.r
        for officer in self.officers:
            rows: list[dict] = []
            _, p_day, dds_mean, other_mean = PROFILES[officer.profile]
            dds_mean, other_mean = dds_mean * self.intensity, other_mean * self.intensity
            dds_counts = self.rng.poisson(dds_mean, len(days)).tolist()
            other_counts = self.rng.poisson(other_mean, len(days)).tolist()
            backlog_until: datetime | None = None
            for index, day in enumerate(days):
                if officer.active_from and day < officer.active_from or officer.active_to and day > officer.active_to:
                    continue
                if any(s <= day <= e for s, e in self.leave[officer.nrp]):
                    continue
                if officer.gap and officer.gap[0] <= day <= officer.gap[1]:
                    continue
                covered = [a["village_code"] for a in by_officer[officer.nrp]
                           if a["start_date"] <= day and (a["end_date"] is None or day <= a["end_date"])]
                if not covered:
                    continue
                chance = p_day if day.weekday() < 6 else 0.12
                if r.random() >= chance:
                    continue
                n_dds, n_other = dds_counts[index], other_counts[index]
                if n_dds + n_other == 0:
                    n_other = 1
                # Visits follow one another at least a quarter of an hour apart, from 07:30.
                minutes, clock = [], 7 * 60 + 30
                # Busy days of the scale exports pack visits closer, so the day ends before midnight.
                gap = 100 if self.intensity == 1 else min(100, max(16, 14 * 60 // (n_dds + n_other)))
                for _ in range(n_dds + n_other):
                    clock += r.randrange(15, gap)
                    minutes.append(clock)
                kinds = ["dds"] * n_dds + r.choices(OTHER_TYPES, OTHER_WEIGHTS, k=n_other)
                r.shuffle(kinds)
                if officer.profile == "late" and (backlog_until is None or day > backlog_until.date()):
                    backlog_until = datetime.combine(day, datetime.min.time()) + timedelta(
                        days=r.randrange(2, 5), hours=r.randrange(19, 23))
                formal = self._formal(officer, day)
                for seq, (kind, minute) in enumerate(zip(kinds, minutes), start=1):
                    # Formality reporters "visit" only the village nearest the office; the other is neglected.
                    village = villages[covered[0] if formal and kind == "dds" else r.choice(covered)]
                    local_at = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute,
                                                                                      seconds=r.randrange(60))
                    rows.append(self._activity(officer, village, kind, local_at, seq, backlog_until, outages,
                                               photo_pools[officer.unit_code], villages))
                if self.signal is not None and not formal:  # formality reporters notice nothing
                    rows.extend(self._early_detection(officer, day, covered, clock, len(kinds), backlog_until,
                                                      outages, photo_pools[officer.unit_code], villages))
            yield rows

    def _early_detection(self, officer, day, covered, clock, seq, backlog_until, outages, pool, villages) -> list[dict]:
        """The extra early-detection reports of a working day where a rise before a burst runs."""
        rows = []
        with self._drawing_from(self.lead_r):
            for code in covered:
                ramp = self.signal.lead_ramp(code, day)
                for _ in range(crime_signal.extra_early_detection(self.lead_r, ramp) if ramp else 0):
                    clock += self.lead_r.randrange(15, 30)
                    seq += 1
                    local_at = datetime.combine(day, datetime.min.time()) + timedelta(
                        minutes=clock, seconds=self.lead_r.randrange(60))
                    rows.append(self._activity(officer, villages[code], "deteksi_dini", local_at, seq, backlog_until,
                                               outages, pool, villages))
        return rows

    @contextmanager
    def _drawing_from(self, stream: random.Random):
        """Scalar draws from another stream for a while, so the usual reports draw what they always drew."""
        usual, self.r = self.r, stream
        try:
            yield
        finally:
            self.r = usual

    def _activity(self, officer, village, kind, local_at, seq, backlog_until, outages, pool, villages) -> dict:
        r = self.r
        offset = timedelta(hours=UTC_OFFSET[village.zone])
        utc_at = local_at - offset
        if officer.profile == "late" and backlog_until is not None:
            delay = (backlog_until - local_at) + timedelta(minutes=r.randrange(90))
        elif officer.profile == "formality":
            delay = timedelta(minutes=r.randrange(5, 60))
        else:
            hours = r.lognormvariate(np.log(1.5 if officer.profile == "diligent" else 4.0), 0.9)
            delay = timedelta(seconds=round(min(hours, 60) * 3600))
        if officer.clock_wrong and r.random() < 0.15:
            delay = -timedelta(minutes=r.randrange(20, 180))  # phone clock set wrong
        utc_submitted = utc_at + delay
        for start, end, unit in outages:
            if (unit is None or officer.unit_code.startswith("PS-" + unit[3:])) and start <= utc_submitted <= end:
                utc_submitted = end + timedelta(minutes=r.randrange(10, 600))  # the backlog after it
        report_id = f"{officer.nrp}-{local_at:%Y%m%d}-{seq:02d}"
        lat, lng = village.points[r.randrange(len(village.points))]
        household = ""
        narrative = self._narrative(kind, village, local_at)
        photo = self._hash(f"{self.seed}-{report_id}") if r.random() < 0.92 else ""
        formal = self._formal(officer, local_at.date())
        if kind == "dds":
            if formal:
                if village.code not in officer.households:
                    size = village.households or 250
                    officer.households[village.code] = r.sample(range(size), k=min(size, 7))
                number = r.choice(officer.households[village.code])
            else:
                number = r.randrange(village.households or 250)
            household = f"{village.code.replace('.', '')}-{number + 1:04d}"
        if formal:
            narrative = r.choice(FORMALITY_TEXTS).format(rt=f"{r.randrange(1, 12):02d}", rw=f"{r.randrange(1, 6):02d}")
            photo = r.choice(pool) if r.random() < 0.8 else photo
            where = r.random()
            if where < 0.55:
                lat, lng = self.offices[officer.unit_code]  # "reported" from the Polsek office
            elif where < 0.85:
                lat = lng = None
        elif r.random() < 0.025:
            lat = lng = None
        elif r.random() < 0.004:
            # A report placed in a far-away village minutes after the previous one.
            lat, lng = villages[r.choice(self.village_codes)].points[0]
        return {
            "report_id": report_id,
            "nrp": officer.nrp,
            "village_code": village.code,
            "activity_type": kind,
            "activity_at": self._format_time(local_at, village, utc_at, "activity"),
            "submitted_at": self._format_time(utc_submitted + offset, village, utc_submitted, "submitted"),
            "lat": "" if lat is None else f"{lat:.6f}",
            "lng": "" if lng is None else f"{lng:.6f}",
            "household_id": household,
            "narrative": narrative,
            "photo_sha256": photo,
        }

    @staticmethod
    def _formal(officer: Officer, day: date) -> bool:
        """Whether the officer reports "as a formality" on that day."""
        return officer.profile == "formality" or officer.lapse_from is not None and day >= officer.lapse_from

    def _format_time(self, local: datetime, village: Village, utc: datetime, which: str) -> str:
        """Cirebon with offsets, Ngawi naive local, HSU mixed; some submissions in UTC ("Z")."""
        if which == "submitted" and self.r.random() < 0.15:
            return f"{utc:%Y-%m-%dT%H:%M:%S}Z"
        regency = village.regency_code
        if regency == "32.74" or regency == "63.08" and which == "activity":
            return f"{local:%Y-%m-%dT%H:%M:%S}+{UTC_OFFSET[village.zone]:02d}:00"
        if regency == "35.21":
            return f"{local:%Y-%m-%d %H:%M:%S}"
        return f"{local:%Y-%m-%dT%H:%M:%S}"

    def _narrative(self, kind: str, village: Village, local_at: datetime) -> str:
        r = self.r

        def person() -> str:
            name = f"{r.choice(RESIDENT_FIRST)} {r.choice(RESIDENT_LAST)}".strip()
            return ("Bpk. " if r.random() < 0.6 else "Ibu ") + name

        place = f"RT {r.randrange(1, 15):02d}/RW {r.randrange(1, 6):02d} {village.name}"
        topic = r.choice(TOPICS)
        if kind == "dds":
            return (f"Hari {DAYS[local_at.weekday()]}, {r.choice(DDS_OPENINGS)} "
                    f"{person()} di {place}, menyampaikan {topic}. {r.choice(CLOSINGS)}")
        text = OTHER_TEXT[kind].format(
            person=person(), person2=person(), place=place, village=village.name, topic=topic,
            issue=r.choice(ISSUES), conflict=r.choice(CONFLICTS), service=r.choice(SERVICES),
            event=r.choice(EVENTS), audience=r.choice(AUDIENCES), misc=r.choice(MISCS),
        )
        return f"Hari {DAYS[local_at.weekday()]}. {text} {r.choice(CLOSINGS)}"

    def _outages_utc(self) -> list[tuple[datetime, datetime, str | None]]:
        return [(s - timedelta(hours=UTC_OFFSET[z]), e - timedelta(hours=UTC_OFFSET[z]), unit)
                for s, e, z, unit, _ in self.outages]

    def _hash(self, text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    # -- complaints and crime ---------------------------------------------------------------
    def build_complaints(self) -> list[dict]:
        rows = []
        span = (self.end - self.start).days + 1
        holder = self._assignment_lookup()
        counts = {}
        for village in self.villages:
            size = (village.population or 1500) / 4000
            counts[village.code] = count = int(self.rng.poisson(4.5 * size * span / 365))
            for number in range(count):
                created = datetime.combine(self.start, datetime.min.time()) + timedelta(
                    minutes=int(self.rng.integers(span * 24 * 60)))
                rows.append(self._complaint(village, number + 1, created, holder, self.rng))
        rows.extend(self._early_complaints(counts, holder))
        rows.sort(key=lambda r: (r["created_at"], r["complaint_id"]))
        return rows

    def _early_complaints(self, counts: dict[str, int], holder) -> list[dict]:
        """Residents' complaints about unrest, more frequent towards the end of a rise of early detection."""
        if self.signal is None:
            return []
        rng = np.random.default_rng([self.seed, crime_signal.COMPLAINT_TAG])
        villages = {v.code: v for v in self.villages}
        rows = []
        for lead in self.signal.leads:
            for _ in range(int(rng.poisson(crime_signal.LEAD_COMPLAINTS))):
                # The square root of a uniform draw: a density rising linearly over the rise.
                offset = crime_signal.LEAD_DAYS * 24 * 60 * float(np.sqrt(rng.random()))
                created = datetime.combine(lead.start, datetime.min.time()) + timedelta(minutes=int(offset))
                if not self.start <= created.date() <= self.end:
                    continue
                counts[lead.village] += 1
                category = crime_signal.UNREST_CATEGORIES[int(rng.integers(len(crime_signal.UNREST_CATEGORIES)))]
                rows.append(self._complaint(villages[lead.village], counts[lead.village], created, holder, rng,
                                            category))
        return rows

    def _complaint(self, village: Village, number: int, created: datetime, holder, rng: np.random.Generator,
                   category: str | None = None) -> dict:
        """One complaint with its answer (or none); the draws come from `rng`, the category if not given."""
        median, never = RESPONSE[village.regency_code]
        row = {
            "complaint_id": f"ADU-{village.code.replace('.', '')}-{number:03d}",
            "village_code": village.code,
            "category": category or COMPLAINT_CATEGORIES[rng.choice(len(COMPLAINT_CATEGORIES), p=COMPLAINT_WEIGHTS)],
            "channel": CHANNELS[rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS)],
            "created_at": f"{created:%Y-%m-%dT%H:%M:%S}",
            "first_response_at": "",
            "resolved_at": "",
            "nrp": holder(village.code, created.date()) or "",
        }
        if rng.random() >= never:
            responded = created + timedelta(hours=float(rng.lognormal(np.log(median), 1.2)))
            if responded.date() <= self.end:
                row["first_response_at"] = f"{responded:%Y-%m-%dT%H:%M:%S}"
                if rng.random() < 0.9:
                    resolved = responded + timedelta(hours=float(rng.lognormal(np.log(40), 1.0)))
                    if resolved.date() <= self.end:
                        row["resolved_at"] = f"{resolved:%Y-%m-%dT%H:%M:%S}"
        return row

    def _assignment_lookup(self):
        by_village: dict[str, list[dict]] = {}
        for a in self.assignments:
            by_village.setdefault(a["village_code"], []).append(a)

        def holder(code: str, day: date) -> str | None:
            for a in by_village.get(code, []):
                if a["start_date"] <= day and (a["end_date"] is None or day <= a["end_date"]):
                    return a["nrp"]
            return None

        return holder

    # -- the crime signal (issue 19) ----------------------------------------------------------
    def plan_signal(self) -> crime_signal.SignalPlan:
        """Hot spots, noise villages, bursts and early-detection rises: drawn before any report."""
        if self.neighbours is None:
            self.neighbours = self._village_neighbours()
        # Karangjati's rising crime is the field study's story: its villages are never pure noise.
        noise_allowed = np.array([v.district != "Karangjati" for v in self.villages])
        self.signal = crime_signal.draw_plan([v.code for v in self.villages], self.neighbours, CRIME_START, self.end,
                                             self.structure, noise_allowed, self.seed)
        return self.signal

    def _village_neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of villages whose polygons touch (indices into self.villages, both ways)."""
        return crime_signal.polygon_neighbours([shape(v.feature["geometry"]) for v in self.villages])

    def build_crimes(self) -> list[dict]:
        plan = self.signal or self.plan_signal()
        days = [CRIME_START + timedelta(days=n) for n in range((self.end - CRIME_START).days + 1)]
        months = sorted({day.replace(day=1) for day in days})
        month_index = {month: i for i, month in enumerate(months)}
        month_of_day = np.array([month_index[day.replace(day=1)] for day in days])
        month_days = np.array([(_next_month(m) - m).days for m in months], dtype=float)
        base_per_day = self._monthly_crime_rates(months) / month_days[:, None]
        population = np.array([v.population or 1500 for v in self.villages], dtype=float)
        noise_per_day = CRIME_RATE * population / 10_000 * 12 / 365.25
        codes = [v.code for v in self.villages]
        found, rng = crime_signal.simulate_counts(plan, codes, days, month_of_day, base_per_day, noise_per_day,
                                                  self.neighbours, self.seed)
        total = int(sum(counts.sum() for _, _, counts in found))
        minutes = rng.integers(24 * 60, size=total).tolist()
        categories = rng.choice(len(CRIME_CATEGORIES), size=total, p=CRIME_WEIGHTS).tolist()
        rows, numbers, drawn = [], {}, 0
        for t, struck, counts in found:
            day = days[t]
            for index, count in zip(struck.tolist(), counts.tolist()):
                key = (index, day.year, day.month)
                for _ in range(count):
                    numbers[key] = numbers.get(key, 0) + 1
                    occurred = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes[drawn])
                    rows.append({
                        "incident_id": f"LP-{codes[index].replace('.', '')}-{day:%Y%m}-{numbers[key]:02d}",
                        "village_code": codes[index],
                        "category": CRIME_CATEGORIES[categories[drawn]],
                        "occurred_at": f"{occurred:%Y-%m-%dT%H:%M:%S}",
                    })
                    drawn += 1
        rows.sort(key=lambda r: (r["occurred_at"], r["incident_id"]))
        return rows

    def _monthly_crime_rates(self, months: list[date]) -> np.ndarray:
        """(months, villages): crimes per month before the signal, with the district stories."""
        diligent_share = {}
        for unit in {o.unit_code for o in self.officers}:
            staff = [o for o in self.officers if o.unit_code == unit]
            diligent_share[unit] = sum(o.profile == "diligent" for o in staff) / len(staff)
        population = np.array([v.population or 1500 for v in self.villages], dtype=float)
        karangjati = np.array([v.district == "Karangjati" for v in self.villages])
        cirebon = np.array([v.regency_code == "32.74" for v in self.villages])
        # Where door-to-door work is done well, crime eases a little after the launch.
        after_launch = np.array([1.15 - 0.3 * diligent_share.get(v.unit_code, 0.0) for v in self.villages])
        story_months = (self.end.year - STORY_START.year) * 12 + self.end.month - STORY_START.month
        rates = np.empty((len(months), len(self.villages)))
        for i, month in enumerate(months):
            progress = max(0, (month.year - STORY_START.year) * 12 + month.month - STORY_START.month) / story_months
            # Karangjati: among Ngawi's highest, and rising faster lately.
            factor = np.where(karangjati, 1.4 + 2.2 * progress**2, np.where(cirebon, 1.3, 1.0))
            if month >= date(2021, 5, 1):
                factor = factor * after_launch
            rates[i] = CRIME_RATE * population / 10_000 * factor
        return rates

    # -- writing ----------------------------------------------------------------------------
    def reference_files(self) -> dict[str, list[dict]]:
        """Units, officers, assignments, leave and outages as rows of their export files."""
        return {
            "units.csv": self.units,
            "officers.csv": [
                {"nrp": o.nrp, "name": o.name, "rank": o.rank, "unit_code": o.unit_code,
                 "active_from": o.active_from or "", "active_to": o.active_to or ""}
                for o in self.officers
            ],
            "assignments.csv": [
                {**a, "end_date": a["end_date"] or ""} for a in sorted(
                    self.assignments, key=lambda a: (a["nrp"], a["village_code"], a["start_date"]))
            ],
            "leave.csv": [
                {"nrp": nrp, "start_date": s, "end_date": e}
                for nrp in sorted(self.leave) for s, e in self.leave[nrp]
            ],
            "outages.csv": [
                {"start_at": f"{s:%Y-%m-%dT%H:%M:%S}" + ("+07:00" if unit is None else ""),
                 "end_at": f"{e:%Y-%m-%dT%H:%M:%S}" + ("+07:00" if unit is None else ""),
                 "unit_code": unit or "", "note": note}
                for s, e, _, unit, note in self.outages
            ],
        }

    def write(self, out_dir: Path) -> dict[str, int]:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.build_units_and_villages()
        self.build_officers()
        self.plan_signal()
        activities = self.build_activities()
        complaints = self.build_complaints()
        crimes = self.build_crimes()
        files = {
            **self.reference_files(),
            "activities.csv": activities,
            "complaints.csv": complaints,
            "crimes.csv": crimes,
        }
        counts = {}
        for name, rows in files.items():
            _write_csv(out_dir / name, rows)
            counts[name] = len(rows)
        counts["villages.geojson"] = self._write_villages(out_dir / "villages.geojson")
        return counts

    def _write_villages(self, path: Path) -> int:
        features = []
        for v in self.villages:
            p = v.feature["properties"]
            properties = {"village_code": v.code, "village": v.name, "unit_code": v.unit_code,
                          "households": v.households, "population": v.population,
                          "district": p["district"], "regency": p["regency"], "province": p["province"]}
            if v.regency_code != "63.08" or self.rng.random() < 0.5:
                properties["timezone"] = v.zone  # else derived from the province code at import
            properties = {k: val for k, val in properties.items() if val is not None}
            features.append({"type": "Feature", "properties": properties, "geometry": v.feature["geometry"]})
        document = {
            "type": "FeatureCollection",
            "attribution": "Village names, codes and boundaries: cahyadsn/wilayah and "
                           "cahyadsn/wilayah_boundaries, (c) 2017-2025 Cahya DSN, MIT licence.",
            "features": features,
        }
        path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        return len(features)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(rows[0]) if rows else []
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def generate(out_dir: str | Path, seed: int = SEED, structure: str = "sample") -> dict[str, int]:
    """Write the sample export to out_dir; return the number of rows (features) per file.

    structure: how crime is organised (sample_data.crime_signal.STRUCTURES).
    """
    return SampleGenerator(seed, structure).write(Path(out_dir))
