"""Diagnosis: pure functions from (job, log tail, windows, packs) to a verdict."""
