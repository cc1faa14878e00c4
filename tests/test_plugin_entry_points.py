"""Installed plugins are found from their distributions' entry_points.txt, without importlib.metadata."""

from __future__ import annotations

import sys
import textwrap
from importlib.metadata import entry_points as standard
from pathlib import Path

import pytest

from opgtui.core.entrypoints import entry_points
from opgtui.diagnosis.signatures import load_packs
from opgtui.sources.feeds import kind_names

PACK = """pack: dune
signatures:
  - id: dune_metacat_down
    title: MetaCat server unavailable
    pattern: 'MetaCat server unavailable'
    category: service
    action: retry
    example: 'MetaCat server unavailable'
"""


def _install(site: Path, dist: str, module: str, body: str, entry_points_txt: str) -> None:
    """A distribution as pip leaves it: the module and ``NAME-VERSION.dist-info/entry_points.txt``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points_txt))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "packs").mkdir()
    (site / "packs" / "dune.yaml").write_text(PACK)
    _install(
        site,
        "dune_opg",
        "dune_opg_plugin",
        f"PACK_DIR = {str(site / 'packs')!r}\nKIND = object()\n",
        """
        # a comment
        [console_scripts]
        dune-opg = dune_opg_plugin:main

        [opgtui.classifiers]
        dune = dune_opg_plugin:PACK_DIR

        [opgtui.feeds]
        metacat = dune_opg_plugin:KIND
        """,
    )
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield site
    sys.modules.pop("dune_opg_plugin", None)


def test_an_installed_pack_plugin_gives_its_signatures(site: Path) -> None:
    packs = load_packs()
    assert "dune_metacat_down" in {s.id for s in packs.signatures}
    assert [f.signature for f in packs.scan(["MetaCat server unavailable"])] == ["dune_metacat_down"]


def test_an_installed_feed_kind_is_known(site: Path) -> None:
    assert "metacat" in kind_names()


def test_the_same_entry_points_as_importlib_metadata(site: Path) -> None:
    for group in ("opgtui.classifiers", "opgtui.feeds", "console_scripts", "pytest11"):
        ours = sorted((ep.name, ep.value) for ep in entry_points(group))
        assert ours == sorted((ep.name, ep.value) for ep in standard(group=group)), group


def test_the_first_copy_of_a_distribution_on_the_path_wins(site: Path, tmp_path: Path) -> None:
    later = tmp_path / "later"
    _install(
        later, "Dune.Opg", "dune_old", "PACK_DIR = '/nowhere'\n", "[opgtui.classifiers]\nold = dune_old:PACK_DIR\n"
    )
    sys.path.append(str(later))
    assert [ep.name for ep in entry_points("opgtui.classifiers")] == ["dune"]
    assert [ep.name for ep in standard(group="opgtui.classifiers")] == ["dune"]
