"""Peringatan dini (issue 19): village crime forecasts, their baselines and an honest rolling-origin backtest.

No Streamlit here: `manage.py forecast` and the import compute and store runs; the pages read them.
"""
