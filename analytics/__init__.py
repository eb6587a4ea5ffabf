"""Reports computed from the event log with pandas: funnels, win rates, A/B results."""
