"""Langganan (admin): who receives which unit's briefing pack by e-mail, when; and every delivery attempt."""

import streamlit as st

from components import data
from components.filters import display_zone
from components.i18n import LANGUAGES, fmt_weekdays, t
from components.safe import md
from components.subscriptions_view import LOG_COLUMNS, SUBSCRIPTION_COLUMNS, headers, log_rows, subscription_rows
from components.tables import table_with_download
from queries import accounts, subscriptions

user = st.session_state["user"]
st.title(t("subs.title"))
st.caption(t("subs.help"))

units = data.unit_list()
names = dict(zip(units["code"], units["name"]))
with st.form("subs_add", clear_on_submit=True):
    st.subheader(t("subs.add"))
    unit = st.selectbox(t("subs.unit"), list(units["code"]), format_func=lambda code: names[code], key="subs_unit")
    weekday = st.selectbox(t("subs.weekday"), range(7), format_func=lambda day: fmt_weekdays([day]), key="subs_day")
    hour = st.number_input(t("subs.hour"), min_value=0, max_value=23, value=7, key="subs_hour")
    days = st.number_input(t("subs.days"), min_value=1, max_value=subscriptions.MAX_DAYS, value=7, key="subs_days")
    language = st.selectbox(t("subs.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="subs_lang")
    fmt = st.selectbox(t("subs.format"), subscriptions.FORMATS, format_func=str.upper, key="subs_format")
    recipients = st.multiselect(t("subs.recipients"), list(data.accounts_list()["username"]), key="subs_to")
    if st.form_submit_button(t("subs.create")):
        try:
            new_id = data.write(subscriptions.add_subscription, unit, weekday, int(hour), recipients, language, fmt,
                                int(days), user.username)
            data.write(accounts.record, user.username, "subscription", f"added {new_id}: {unit} to {recipients}")
            st.success(t("subs.created", id=new_id))
        except subscriptions.SubscriptionError as exc:
            st.error(t("subs.error", error=md(str(exc))))

st.header(t("subs.list"))
listed = data.subscriptions_list()
if listed.empty:
    st.info(t("subs.none"))
else:
    table_with_download(subscription_rows(listed), headers(SUBSCRIPTION_COLUMNS), "langganan.csv", key="subs")
    chosen = st.selectbox(t("subs.pick"), list(listed["id"]), key="subs_pick",
                          format_func=lambda i: f"{i} · {names.get(listed.set_index('id').at[i, 'unit_code'], '')}")
    pause, resume, remove = st.columns(3)
    for column, action, command, args in ((pause, "pause", subscriptions.set_active, (False,)),
                                          (resume, "resume", subscriptions.set_active, (True,)),
                                          (remove, "remove", subscriptions.remove_subscription, ())):
        if column.button(t(f"subs.{action}"), key=f"subs_{action}"):
            data.write(command, int(chosen), *args)
            data.write(accounts.record, user.username, "subscription", f"{action} {chosen}")
            st.rerun()

st.header(t("subs.log"))
st.caption(t("subs.log_help"))
log = data.delivery_log()
table_with_download(log_rows(log, display_zone(st.session_state.get("scope"))), headers(LOG_COLUMNS),
                    "pengiriman.csv", key="subs_log")
