"""Peringatan Dini in Chromium: with a stored run, the risk map and the hot-spot map are painted and the table is there.

The harness (server, browser, sign-in) is test_browser.py's; only the database differs: a copy of the sample
with one stored forecast run for Polres Ngawi's villages, so the page has something to draw.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select
from test_browser import (  # noqa: F401 (fixtures)
    NGAWI,
    admin_copy,
    chromium,
    main_heading,
    open_page,
    page,
    painted_share,
    screenshot,
    server,
    sign_in,
)

from queries.schema import backtest_scores, forecast_runs, village_forecasts, village_hotspots, villages
from queries.scope import Scope, villages_in

pytestmark = pytest.mark.browser
CLASSES = ("new", "intensifying", "persistent", "", "", "")


@pytest.fixture(scope="module")
def database_url(sample_sqlite_url, tmp_path_factory) -> str:
    """A copy of the sample with the admin account and one run over Polres Ngawi's villages (made-up numbers)."""
    return admin_copy(sample_sqlite_url, tmp_path_factory.mktemp("early_warning_browser"), store_run)


def store_run(conn) -> None:
    """A run as of the sample's last day: every Ngawi village a forecast and a hot-spot class, a backtest."""
    rows = conn.execute(select(villages.c.code, villages.c.unit_code)
                        .where(villages.c.code.in_(villages_in(Scope(NGAWI, date(2022, 5, 15), date(2022, 5, 15)))))
                        .order_by(villages.c.code)).all()
    conn.execute(insert(forecast_runs).values(run_id=1, as_of=date(2022, 5, 15), horizon_days=28,
                                              computed_at=datetime(2022, 5, 16), method_shown="model", origins=12))
    conn.execute(insert(village_forecasts), [
        {"run_id": 1, "method": "model", "village_code": code, "unit_code": unit, "expected_crimes": (i % 9) * 0.5,
         "lower": 0.0, "upper": (i % 9) + 1.0, "risk_rank": 1} for i, (code, unit) in enumerate(rows)])
    conn.execute(insert(village_hotspots), [
        {"run_id": 1, "village_code": code, "unit_code": unit, "hotspot_class": CLASSES[i % len(CLASSES)],
         "gi_z": 1.0, "trend_z": 0.5, "trend_p": 0.2, "hot_months": 2, "months": 24}
        for i, (code, unit) in enumerate(rows)])
    conn.execute(insert(backtest_scores), [
        {"run_id": 1, "scope_code": code, "method": method, "deviance": deviance, "crimes": 100, "villages": 217}
        for code in ("", NGAWI) for method, deviance in (("model", 0.9), ("last_28", 1.0), ("mean_12m", 1.1))])


def test_the_early_warning_page_paints_its_maps_and_lists_the_villages(page):  # noqa: F811 (the fixture)
    sign_in(page, f"?unit={NGAWI}")
    open_page(page, "peringatan")
    expect(main_heading(page)).to_have_text("Peringatan Dini")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    maps = page.locator('[data-testid="stMain"] [data-testid="stDeckGlJsonChart"]')
    expect(maps).to_have_count(2)  # the risk map and the hot-spot map
    for index in range(2):
        maps.nth(index).scroll_into_view_if_needed()
        page.wait_for_timeout(1500)  # deck.gl draws after the element appears
        assert painted_share(maps.nth(index).screenshot()) > 0.02, f"map {index} looks blank"
    tables = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    assert tables.count() >= 2  # the villages worst first and the DDS priorities
    expect(page.get_by_text("Model mengalahkan baseline terbaik", exact=False).first).to_be_visible()
    assert screenshot(page, "peringatan_run").stat().st_size > 10_000
