"""The dashboard in a real browser: Playwright drives Debian's Chromium against `streamlit run` on the sample.

AppTest runs the scripts but draws nothing; these tests prove what only a browser shows: maps and charts
painted, clicks that drill down, downloads that arrive, the scope kept across a page switch, the
language switch, keyboard access to the filters. Every page's screenshot goes to test-artifacts/browser/.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from conftest import IN_CI, PROJECT_DIR
from queries import accounts
from queries.db import make_engine
from queries.officers import compliance_list
from queries.overview import activity_date_range
from queries.schema import activities
from queries.scope import Scope

CHROMIUM = os.environ.get("BOS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_DIR / "test-artifacts" / "browser"
NGAWI = "PR-35.21"
USERNAME, PASSWORD = "kasat.uji", "sandi-uji-panjang-1"
# The flags a closed network needs: without them Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
# page (URL path) -> its title and what its main picture is drawn with
PAGES = {
    "ringkasan": ("Ringkasan", '[data-testid="stDataFrame"]'),
    "peta": ("Peta Cakupan DDS", '[data-testid="stDeckGlJsonChart"]'),
    "kepatuhan": ("Kepatuhan Pelaporan", '[data-testid="stPlotlyChart"]'),
    "rapor": ("Rapor Bhabinkamtibmas", '[data-testid="stPlotlyChart"]'),
    "kualitas": ("Kualitas Data", '[data-testid="stPlotlyChart"]'),
    "pengaduan": ("Pengaduan Masyarakat", '[data-testid="stPlotlyChart"]'),
    "efektivitas": ("Efektivitas", '[data-testid="stPlotlyChart"]'),
    "perbandingan": ("Perbandingan Wilayah", '[data-testid="stPlotlyChart"]'),
    "peringatan": ("Peringatan Dini", None),  # the sample stores no run: its empty state (test_early_warning_browser)
    "definisi": ("Definisi angka", None),
    "impor": ("Impor Data", None),
    "audit": ("Audit & Akun", '[data-testid="stDataFrame"]'),
}

pytestmark = pytest.mark.browser
expect.set_options(timeout=30_000)  # a rerun on two busy cores can take seconds


def require_chromium() -> None:
    """Skip (or, in CI, fail) without Debian's Chromium; `.ci/run` installs it."""
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set BOS_CHROMIUM)"
        if IN_CI:
            pytest.fail(message + " (CI=true: the browser tests are required)")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_log() -> Path:
    """The server's log: one per pytest-xdist worker, since each worker starts its own server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return ARTIFACTS / (f"streamlit-{worker}.log" if worker else "streamlit.log")


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}; see {server_log()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {seconds} s")


def admin_copy(sample_sqlite_url: str, folder: Path, prepare=None) -> str:
    """A copy of the sample database (the server writes sign-ins and downloads to it) with one admin account,
    and whatever `prepare(conn)` adds."""
    require_chromium()
    copy = folder / "bos.sqlite"
    shutil.copy(make_url(sample_sqlite_url).database, copy)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    with engine.begin() as conn:
        accounts.add_user(conn, USERNAME, "Kasat Binmas Uji", "admin", password=PASSWORD)
        if prepare is not None:
            prepare(conn)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def database_url(sample_sqlite_url, tmp_path_factory) -> str:
    """The sample with one admin account."""
    return admin_copy(sample_sqlite_url, tmp_path_factory.mktemp("browser_db"))


@pytest.fixture(scope="module")
def server(database_url):
    """`streamlit run dashboard.py` on a free port, as a user would start it; its log goes to test-artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BOS_")}
    environment["BOS_DATABASE_URL"] = database_url
    with open(server_log(), "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none",
             "--browser.gatherUsageStats=false"],
            cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, process)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def chromium(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server):
    """A new browser tab (Indonesian locale, 1440 × 1000) at the dashboard, not yet signed in."""
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID", accept_downloads=True)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.base = server
    yield tab
    context.close()


def settle(tab) -> None:
    """Wait until the script run triggered by the last action has finished and the page is drawn."""
    tab.wait_for_timeout(300)
    tab.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
    tab.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
    tab.wait_for_timeout(200)


def sign_in(tab, path: str = "") -> None:
    tab.goto(f"{tab.base}/{path}")
    tab.get_by_label("Nama pengguna").fill(USERNAME)
    tab.get_by_label("Kata sandi").fill(PASSWORD)
    tab.get_by_role("button", name="Masuk", exact=True).click()
    tab.wait_for_selector('[data-testid="stSidebarNav"]')
    settle(tab)


def open_page(tab, name: str) -> None:
    """Switch page through the sidebar navigation, as a user does (the session, and so the scope, is kept)."""
    tab.locator('[data-testid="stSidebarNav"] a').filter(has_text=PAGES[name][0]).first.click()
    tab.wait_for_url(f"**/{'' if name == 'ringkasan' else name}*")
    settle(tab)


def screenshot(tab, name: str) -> Path:
    """The whole page (the main area scrolls by itself, so the window is stretched to its height first)."""
    height = tab.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    tab.set_viewport_size({"width": 1440, "height": min(max(height, 1000), 8000)})
    tab.wait_for_timeout(800)  # charts and maps redraw at the new size
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=path)
    tab.set_viewport_size({"width": 1440, "height": 1000})
    return path


def painted_share(png: bytes) -> float:
    """The share of pixels that differ from the picture's most common colour (its background)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height)
    background = max(colours)[0]
    return 1 - background / (image.width * image.height)


def main_heading(tab):
    return tab.locator('[data-testid="stMain"] h1').first


def scope_line(tab):
    """The scope line under the page title ("Polres Ngawi · 16 April 2022 – 15 Mei 2022 (30 hari)")."""
    return tab.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first


def expect_scope(tab, text: str) -> None:
    """The scope line starts with the text (retried until the rerun an action started has drawn it)."""
    expect(scope_line(tab)).to_have_text(re.compile("^" + re.escape(text)))


def default_window(database_url: str) -> tuple[date, date]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        _, last = activity_date_range(conn)
    engine.dispose()
    return last - timedelta(days=29), last


def busiest_officer(database_url: str, start: date, end: date) -> str:
    """The NRP with the most reports in the window (a scorecard with every part filled)."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        nrp = conn.execute(select(activities.c.nrp).where(activities.c.local_date.between(start, end))
                           .group_by(activities.c.nrp).order_by(func.count().desc(), activities.c.nrp)
                           .limit(1)).scalar_one()
    engine.dispose()
    return nrp


def test_the_sign_in_form_refuses_a_wrong_password_in_plain_words(page):
    page.goto(page.base)
    page.get_by_label("Nama pengguna").wait_for()
    settle(page)
    assert page.title() == "Masuk · Dasbor Binmas"
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no page is offered before signing in
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi").fill("bukan-sandinya")
    page.get_by_role("button", name="Masuk", exact=True).click()
    settle(page)
    assert page.locator('[data-testid="stAlertContentError"]').inner_text() == "Nama pengguna atau kata sandi salah."
    screenshot(page, "masuk")


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_without_an_error(page, database_url, name):
    if name == "rapor":  # a link straight to one officer's scorecard, signed in on arrival
        sign_in(page, f"rapor?unit={NGAWI}&officer={busiest_officer(database_url, *default_window(database_url))}")
    else:
        sign_in(page, f"?unit={NGAWI}")  # a Kasat Binmas's usual view: one Polres, the last 30 days
        if name != "ringkasan":
            open_page(page, name)
    main = page.locator('[data-testid="stMain"]')
    expect(main_heading(page)).to_have_text(re.compile("^" + re.escape(PAGES[name][0])))
    expect(page).to_have_title(f"{PAGES[name][0]} · Dasbor Binmas")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert page.locator('[data-testid="stHelp"]').count() == 0  # no object drawn by accident (st.help / magic)
    picture = PAGES[name][1]
    if picture:
        element = main.locator(f"{picture} >> visible=true").first
        element.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)  # deck.gl and plotly draw after the element appears
        assert painted_share(element.screenshot()) > 0.02, f"{picture} on {name} looks blank"
    if picture == '[data-testid="stPlotlyChart"]':  # every chart has its numbers as a table beneath it
        expander = main.locator('[data-testid="stExpander"]').filter(has_text="Lihat angka grafik ini sebagai tabel")
        assert expander.count() >= 1
        expander.first.locator("summary").click()
        assert expander.first.locator('[data-testid="stDataFrame"]').is_visible()
    assert screenshot(page, name).stat().st_size > 10_000


def sidebar_picker(tab, label: str):
    """The sidebar's picker of that label (an ARIA combobox named after its label)."""
    return tab.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label, exact=True)


def expect_choice(tab, label: str, value: str) -> None:
    expect(sidebar_picker(tab, label)).to_have_value(value)


def pick_in_sidebar(tab, label: str, option: str) -> None:
    sidebar_picker(tab, label).click()
    tab.get_by_role("option", name=option, exact=True).click()
    settle(tab)


def sidebar_window(tab) -> list[str]:
    """The first and last day in the sidebar's date picker, as ISO dates."""
    return [field.input_value() for field in
            tab.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] input[type="date"]').all()]


def test_unit_and_window_survive_a_page_switch(page):
    sign_in(page, f"?unit={NGAWI}&start=2022-03-01&end=2022-03-31")  # a shared link sets both
    expect_scope(page, "Polres Ngawi · 1 Maret 2022 – 31 Maret 2022 (31 hari)")
    pick_in_sidebar(page, "Polsek", "Polsek Karangjati")
    expected = "Polsek Karangjati · 1 Maret 2022 – 31 Maret 2022 (31 hari)"
    expect_scope(page, expected)
    for name in ("peta", "kepatuhan", "pengaduan", "ringkasan"):
        open_page(page, name)
        expect_scope(page, expected)
        expect_choice(page, "Polres", "Polres Ngawi")
        expect_choice(page, "Polsek", "Polsek Karangjati")
        assert sidebar_window(page) == ["2022-03-01", "2022-03-31"]
        assert "start=2022-03-01" in page.url and "end=2022-03-31" in page.url


def test_clicking_a_ranking_row_drills_down_one_level(page):
    sign_in(page)
    expect_scope(page, "Nasional ·")
    assert page.get_by_role("heading", name="Peringkat Polda").count() == 1
    grid = page.locator('.st-key-ranking_None [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    first_row = grid.locator('[role="row"]').nth(1).inner_text()  # the grid's accessible copy of its cells
    polda = next(name for name in ("Polda Jawa Barat", "Polda Jawa Timur", "Polda Kalimantan Selatan")
                 if name in first_row)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box, below the header
    page.wait_for_function("() => document.body.innerText.includes('Peringkat Polres')")
    settle(page)
    expect_scope(page, f"{polda} ·")
    expect_choice(page, "Polda", polda)
    assert "unit=PD-" in page.url


def test_a_quality_tab_reads_its_lists_when_clicked(page):
    sign_in(page, f"kualitas?unit={NGAWI}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("tab", name="Ringkasan tanda")).to_have_attribute("aria-selected", "true")
    assert main.get_by_text("Uraian yang sama persis").count() == 0  # a closed tab reads nothing
    main.get_by_role("tab", name="Salinan & foto ulang").click()
    settle(page)
    expect(main.get_by_role("heading", name="Uraian yang sama persis")).to_be_visible()
    expect(main.locator('[data-testid="stDataFrame"] >> visible=true').first).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_compliance_download_holds_the_officers_on_the_page(page, database_url):
    start, end = default_window(database_url)
    sign_in(page, f"kepatuhan?unit={NGAWI}")
    with page.expect_download() as arrival:
        page.get_by_role("button", name="Unduh tabel (CSV)").first.click()
    download = arrival.value
    assert download.suggested_filename == "kepatuhan_pelaporan.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    engine = make_engine(database_url)
    with engine.connect() as conn:
        expected = compliance_list(conn, Scope(NGAWI, start, end)).set_index("nrp")
    engine.dispose()
    assert sorted(row["NRP"] for row in rows) == sorted(expected.index)
    assert f"{len(rows)} dari {len(rows)} Bhabinkamtibmas" in page.locator('[data-testid="stMain"]').inner_text()
    for row in rows:
        want = expected.loc[row["NRP"], "reporting_rate"]
        assert (row["Pelaporan"] == "" if want != want else float(row["Pelaporan"]) == pytest.approx(want))
    # The grid lists the officers in the file's order (its accessible copy holds the raw values, so the
    # Indonesian display formats are checked in test_tables.py and seen in the screenshots).
    grid_rows = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first.locator('[role="row"]')
    assert rows[0]["NRP"] in grid_rows.nth(1).inner_text()


def test_briefing_pack_download_carries_the_kpis_on_screen(page):
    sign_in(page, f"?unit={NGAWI}")
    metrics = page.locator('[data-testid="stMetricValue"]')
    expect(metrics).to_have_count(8)  # waits: a busy host can draw the cards after the script says it is done
    shown = metrics.all_inner_texts()
    with page.expect_download() as arrival:
        page.get_by_role("button", name="Unduh bahan briefing (siap cetak A4)").click()
    html = Path(arrival.value.path()).read_text(encoding="utf-8")
    assert arrival.value.suggested_filename.startswith(f"briefing_{NGAWI}_")
    assert "Polres Ngawi" in html and "<svg" in html
    for value in shown:
        assert value.strip() in html


def test_language_switch_changes_every_label(page):
    sign_in(page, f"?unit={NGAWI}&start=2022-04-16&end=2022-05-15")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    expect(main_heading(page)).to_have_text("Overview")
    expect_scope(page, "Polres Ngawi · 16 April 2022 – 15 May 2022 (30 days)")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "DDS Coverage Map" in nav and "Peta Cakupan DDS" not in nav
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Unit", exact=True).count() == 1
    screenshot(page, "ringkasan_en")
    page.locator('[data-testid="stSidebar"]').get_by_text("Bahasa Indonesia", exact=True).click()
    settle(page)
    expect(main_heading(page)).to_have_text("Ringkasan")


def test_the_filters_can_be_reached_and_used_with_the_keyboard(page):
    sign_in(page, f"?unit={NGAWI}")
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(8)  # drawn: no rerun moves the focus
    # Start at the sidebar's first link: the overview's content before it (tables, grids, buttons) changes
    # with every release and once took a busy host's whole budget of Tab presses (stop 32's CI).
    page.locator('[data-testid="stSidebarNav"] a').first.focus()
    reached = []
    for _ in range(60):  # the page links, then the language, unit and window pickers
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => {
            const element = document.activeElement;
            if (!element || !element.closest('[data-testid="stSidebar"]')) return null;
            const widget = element.closest(
                '[data-testid="stSelectbox"], [data-testid="stDateInput"], [data-testid="stRadio"]');
            return widget ? widget.querySelector('[data-testid="stWidgetLabel"]').innerText.trim() : null;
        }"""))
        if reached[-1] == "Periode":
            break
    assert {"Bahasa", "Polda", "Polres", "Polsek", "Periode"} <= set(reached), reached
    # Choose a Polsek without the mouse: focus its picker, type, Enter.
    sidebar_picker(page, "Polsek").focus()
    page.keyboard.type("Karangjati")
    page.keyboard.press("Enter")
    settle(page)
    expect_scope(page, "Polsek Karangjati ·")


def test_a_sign_in_lasts_across_reloads_and_opened_links_until_sign_out(page):
    sign_in(page, f"?unit={NGAWI}&start=2022-03-01&end=2022-03-31")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    expect(main_heading(page)).to_have_text("Overview")
    page.wait_for_function("() => document.cookie.includes('bos_session=')")
    page.reload()  # the session cookie signs in again: same view, same language, no form
    expect(main_heading(page)).to_have_text("Overview")
    expect_scope(page, "Polres Ngawi · 1 March 2022 – 31 March 2022 (31 days)")
    assert page.get_by_label("User name").count() == 0 and page.get_by_label("Nama pengguna").count() == 0
    # A link from a briefing, opened in a new tab of the same browser: its view at once.
    link = page.context.new_page()
    link.goto(f"{page.base}/kepatuhan?unit=PS-35.21.07&start=2022-03-01&end=2022-03-31")
    expect(main_heading(link)).to_have_text("Reporting Compliance")
    expect_scope(link, "Polsek Karangjati · 1 March 2022 – 31 March 2022 (31 days)")
    # The overview's own name in a link opens the overview, with the link's scope.
    link.goto(f"{page.base}/ringkasan?unit=PS-35.21.07&start=2022-03-01&end=2022-03-31")
    expect(main_heading(link)).to_have_text("Overview")
    expect_scope(link, "Polsek Karangjati · 1 March 2022 – 31 March 2022 (31 days)")
    settle(link)
    assert link.get_by_text("Page not found").count() == 0 and "unit=PS-35.21.07" in link.url
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.get_by_label("User name").wait_for()
    page.reload()  # signed out for good: the form again (in Indonesian, the default for nobody)
    page.get_by_label("Nama pengguna").wait_for()
    settle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    link.reload()
    link.get_by_label("Nama pengguna").wait_for()


def test_the_overview_by_name_opens_after_the_sign_in_form(page):
    sign_in(page, f"ringkasan?unit={NGAWI}")
    expect(main_heading(page)).to_have_text("Ringkasan")
    expect_scope(page, "Polres Ngawi ·")
    assert page.get_by_text("Page not found").count() == 0



# page -> its i18n navigation key (dashboard.py's PAGES), for finding its English title
NAV_KEYS = {"peta": "nav.map", "kepatuhan": "nav.compliance", "rapor": "nav.scorecard", "kualitas": "nav.quality",
            "pengaduan": "nav.complaints", "efektivitas": "nav.effectiveness", "perbandingan": "nav.comparison",
            "peringatan": "nav.early_warning", "definisi": "nav.definitions", "impor": "nav.import",
            "audit": "nav.audit"}


@pytest.mark.parametrize("name", list(NAV_KEYS))
def test_every_page_draws_in_english_too(page, name):
    from components.i18n import TEXTS

    sign_in(page, f"?unit={NGAWI}")
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    english = TEXTS[NAV_KEYS[name]][1]
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=english).first.click()
    page.wait_for_url(f"**/{name}*")
    settle(page)
    expect(page).to_have_title(re.compile("^" + re.escape(english) + " · "))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert screenshot(page, f"{name}_en").stat().st_size > 10_000
