"""Sources: fetch and normalise; never touch the UI."""
