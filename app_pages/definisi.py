"""Definisi (definitions): what every number means, with the values of the rules in force, in the reader's language."""

import streamlit as st

from components.definitions import definitions
from components.i18n import t

everyone, technical = definitions()
st.markdown(everyone)
# Column names and file names help whoever runs the server, not the readers of the numbers.
if st.session_state["user"].role == "admin":
    with st.expander(t("definitions.technical"), icon=":material/engineering:"):
        st.markdown(technical)
