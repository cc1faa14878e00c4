"""The modules that drive a store are typed with its real types: ``learn/`` takes a ``Store``, ``domain/`` (which
may not import the store) a Protocol of what it calls, and the store must keep every method they call."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from opgtui.domain.phases import PhaseStore
from opgtui.domain.stats import StatsStore
from opgtui.store import Store

ROOT = Path(__file__).resolve().parents[1] / "opgtui"
DRIVERS = sorted([ROOT / "domain" / "stats.py", ROOT / "domain" / "phases.py", *(ROOT / "learn").glob("*.py")])


def _protocol_methods(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if inspect.isfunction(v) and not n.startswith("_")]


@pytest.mark.parametrize("proto", [PhaseStore, StatsStore])
def test_the_store_is_what_the_domain_protocols_ask_for(proto: type) -> None:
    """Each method a domain Protocol names is a Store method taking the same parameters (names and defaults)."""
    names = {n for klass in proto.__mro__ if getattr(klass, "_is_protocol", False) for n in _protocol_methods(klass)}
    assert names  # the protocol says something
    for name in sorted(names):
        wanted = inspect.signature(getattr(proto, name)).parameters
        got = inspect.signature(getattr(Store, name)).parameters
        assert [(p.name, p.default) for p in wanted.values()] == [(p.name, p.default) for p in got.values()], name


@pytest.mark.parametrize("path", DRIVERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_store_or_config_parameter_is_never_any_and_every_call_on_a_store_is_a_store_method(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for arg in fn.args.args + fn.args.kwonlyargs:
            if arg.arg in ("store", "cfg"):
                assert arg.annotation is not None and ast.unparse(arg.annotation) != "Any", (path.name, fn.name)
    called = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "store"
    }
    missing = sorted(a for a in called if not hasattr(Store, a))
    assert missing == [], (path.name, missing)
