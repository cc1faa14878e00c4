"""The modules that drive a store are typed with its real types: ``learn/``, ``ops/`` and ``cli/`` take a ``Store``,
``domain/`` (which may not import the store) a Protocol of what it calls, and the store must keep every method they
call."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from opgtui.domain.phases import PhaseStore
from opgtui.domain.stats import StatsStore
from opgtui.store import Store

ROOT = Path(__file__).resolve().parents[1] / "opgtui"
DRIVERS = sorted(
    [
        ROOT / "domain" / "stats.py",
        ROOT / "domain" / "phases.py",
        *(ROOT / "learn").glob("*.py"),
        *(ROOT / "ops").glob("*.py"),
        *(ROOT / "cli").glob("*.py"),
    ]
)


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


def _store_attributes() -> set[str]:
    """What a Store has: its methods and class attributes, and what its classes' ``__init__`` sets on ``self``."""
    names = set(dir(Store))
    for klass in Store.__mro__:
        if klass.__module__.startswith("opgtui.store") and "__init__" in vars(klass):
            init = ast.parse(inspect.getsource(klass.__init__).lstrip())
            names |= {
                n.attr
                for n in ast.walk(init)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
            }
    return names


def _binds_a_store(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``store`` in this function is a Store: a parameter, or opened there (``store = open_store(...)``,
    ``cfg, store = _open(ctx)``, ``with open_store(...) as store``); elsewhere the name may be something else
    (the ``store`` verb's click group, the ``opgtui.store`` module). Opened: by a call naming open or store."""
    if any(a.arg == "store" for a in fn.args.args + fn.args.kwonlyargs):
        return True
    for n in ast.walk(fn):
        targets = (
            n.targets
            if isinstance(n, ast.Assign)
            else [i.optional_vars for i in n.items if i.optional_vars is not None]
            if isinstance(n, ast.With)
            else []
        )
        value = n.value if isinstance(n, ast.Assign) else n.items[0].context_expr if isinstance(n, ast.With) else None
        named = any(isinstance(x, ast.Name) and x.id == "store" for t in targets for x in ast.walk(t))
        opens = value is not None and any(
            isinstance(c, ast.Call) and any(w in ast.unparse(c.func).lower() for w in ("open", "store"))
            for c in ast.walk(value)
        )
        if named and opens:
            return True
    return False


@pytest.mark.parametrize("path", DRIVERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_store_or_config_parameter_is_never_any_and_every_call_on_a_store_is_a_store_method(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for fn in functions:
        for arg in fn.args.args + fn.args.kwonlyargs:
            if arg.arg in ("store", "cfg"):
                assert arg.annotation is not None and ast.unparse(arg.annotation) != "Any", (path.name, fn.name)
    called = {
        n.attr
        for fn in functions
        if _binds_a_store(fn)
        for n in ast.walk(fn)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "store"
    }
    missing = sorted(called - _store_attributes())
    assert missing == [], (path.name, missing)
