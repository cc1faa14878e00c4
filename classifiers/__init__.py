"""Bundled signature packs (YAML), one per domain."""

from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent
