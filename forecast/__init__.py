"""Peringatan dini (issue 19): village forecasts, their backtest, and emerging hot spots."""
