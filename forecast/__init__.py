"""Peringatan dini (issue 19): village crime forecasts, their baselines and an honest rolling-origin backtest,
and emerging hot spots.

No Streamlit here: `manage.py forecast` computes and stores runs; the pages read them.
"""
