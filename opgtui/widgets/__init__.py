"""Reusable widgets: job table, log view, outage timeline, verdict panel, banner."""
