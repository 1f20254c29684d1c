"""Binmas command dashboard: page config, shared sidebar filters and navigation.

Run with `make run` (or `streamlit run dashboard.py`).
"""

from __future__ import annotations

import streamlit as st

from components import data, filters
from components.i18n import fmt_date, t

st.set_page_config(page_title="Dasbor Binmas", page_icon=":material/local_police:", layout="wide")

filters.language_picker()
pages = [
    st.Page("app_pages/ringkasan.py", title=t("nav.overview"), icon=":material/dashboard:", url_path="ringkasan",
            default=True),
    st.Page("app_pages/peta.py", title=t("nav.map"), icon=":material/map:", url_path="peta"),
    st.Page("app_pages/kepatuhan.py", title=t("nav.compliance"), icon=":material/fact_check:", url_path="kepatuhan"),
    st.Page("app_pages/rapor.py", title=t("nav.scorecard"), icon=":material/badge:", url_path="rapor"),
    st.Page("app_pages/kualitas.py", title=t("nav.quality"), icon=":material/rule:", url_path="kualitas"),
    st.Page("app_pages/pengaduan.py", title=t("nav.complaints"), icon=":material/campaign:", url_path="pengaduan"),
    st.Page("app_pages/efektivitas.py", title=t("nav.effectiveness"), icon=":material/trending_down:",
            url_path="efektivitas"),
    st.Page("app_pages/perbandingan.py", title=t("nav.comparison"), icon=":material/compare_arrows:",
            url_path="perbandingan"),
    st.Page("app_pages/definisi.py", title=t("nav.definitions"), icon=":material/menu_book:", url_path="definisi"),
]
page = st.navigation(pages)

scope = filters.sidebar_scope()
if scope is None:
    st.title(t("app.name"))
    st.info(t("empty.no_data"))
    st.stop()

first, last = data.data_date_range()
imported = data.last_import()
when = imported["finished_at"].iloc[0].strftime("%d/%m/%Y %H:%M UTC") if not imported.empty else t("footer.never")
st.sidebar.caption(t("footer.window", first=fmt_date(first), last=fmt_date(last), imported=when))
page.run()
