"""Decisions and summaries on the records: mostly pure, no Textual, no SQL of their own."""
