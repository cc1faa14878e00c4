"""The store's migrations, apart from its queries: the steps (``steps.py``, one sequence for both engines), each
engine's own part (``sqlite.py``: triggers; ``postgresql.py``: PL/pgSQL), and running them (``run.py``)."""

from opgtui.store.migrations.run import migrate, schema_version
from opgtui.store.migrations.steps import MIGRATIONS, SCHEMA_VERSION, Step

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Step", "migrate", "schema_version"]
