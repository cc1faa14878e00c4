"""Diagnosis: pure functions from (job, log tail, windows, packs) to a verdict.

signatures (text packs, RE2), codes (numeric tables under classifiers/codes), plugins (Python plugins with a time
budget), reader (numbers, exception blocks, roles), rules (the job's own numbers), verdict (the root cause),
engine (one call), evaluate (the score on a labelled corpus).
"""
