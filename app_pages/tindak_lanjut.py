"""Tindak Lanjut: every alert given an action (who, by when, what) and followed to its end, per unit."""

import streamlit as st

from components import data
from components.filters import scope_label
from components.follow_up_view import act_form, acts, evidence_button, history_view, item_lists
from components.i18n import t

scope = st.session_state["scope"]
user = st.session_state["user"]
st.title(t("fu.title"))
st.caption(scope_label(scope))
st.caption(t("fu.help"))
if message := st.session_state.pop("fu_message", None):
    st.success(message)

frame = data.follow_up_items(scope)
if acts(user):
    evidence_button(scope, user)
item_lists(frame)
if acts(user):
    act_form(frame, scope, user)
else:
    st.info(t("fu.read_only"))
history_view(frame, scope)
