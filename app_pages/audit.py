"""Audit (admin): sign-ins, failed sign-ins, imports and downloads of personal data; the accounts."""

import streamlit as st

from components import data
from components.filters import display_zone
from components.i18n import fmt_local_moment, t
from components.tables import table_with_download

st.title(t("audit.title"))
st.caption(t("audit.help"))

events = data.audit_events()
actions = sorted(events["action"].unique())
chosen = st.multiselect(t("audit.actions"), actions, key="audit_actions", placeholder=t("audit.all_actions"),
                        format_func=lambda a: t(f"audit.action.{a}"))
who = st.text_input(t("audit.user"), key="audit_user").strip().lower()
shown = events[events["action"].isin(chosen)] if chosen else events
if who:
    shown = shown[shown["username"].fillna("").str.lower().str.contains(who, regex=False)]
zone = display_zone(st.session_state.get("scope"))
shown = shown.assign(action=shown["action"].map(lambda a: t(f"audit.action.{a}")),  # words, not codes
                     at=[fmt_local_moment(at, zone) for at in shown["at"]])  # local time, like the footer
table_with_download(shown, {"at": t("audit.col.at"), "username": t("audit.col.username"),
                            "action": t("audit.col.action"), "detail": t("audit.col.detail")},
                    "audit_log.csv", key="audit")

st.header(t("audit.accounts"))
st.caption(t("audit.accounts_help"))
accounts = data.accounts_list()
accounts = accounts.assign(role=accounts["role"].map(lambda r: t(f"role.{r}")),
                           last_sign_in=[fmt_local_moment(at, zone) for at in accounts["last_sign_in"]])
table_with_download(accounts, {c: t(f"audit.acc.{c}") for c in accounts.columns}, "akun.csv", key="accounts")
