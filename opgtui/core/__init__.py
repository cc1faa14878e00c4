"""The foundation: plain records and helpers every layer may use (they import only each other)."""
