"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from pgcluster import pg_database, pg_server  # noqa: F401  (PostgreSQL: the test server, a database per module)


def pytest_configure(config: pytest.Config) -> None:
    """The parsed-pack cache (and any other cache) goes to a directory of this run, never the user's ~/.cache: no
    test reads what an earlier run or the developer left there. Set before collection: some modules load the packs
    at import."""
    config.stash[_cache_key] = (os.environ.get("XDG_CACHE_HOME"), tempfile.mkdtemp(prefix="opgtui-test-cache-"))
    os.environ["XDG_CACHE_HOME"] = config.stash[_cache_key][1]


def pytest_unconfigure(config: pytest.Config) -> None:
    before, path = config.stash.get(_cache_key, (None, None))
    if path is None:
        return
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
    shutil.rmtree(path, ignore_errors=True)


_cache_key = pytest.StashKey[tuple[str | None, str]]()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The built-in demo (its config and store), built once per test module that asks for it."""
    from opgtui.demo.build import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))
