"""Architecture contracts (docs/architecture.md): the headless modules load without Textual, and DESIGN's one-way
flow (sources -> store -> diagnosis -> views) holds as import rules read from the source with ``ast``.

An edge that breaks a rule today is listed by name in EXCEPTIONS, pointing to issue 15; a new back edge fails here,
and so does an exception that no longer exists (delete it from the list when the edge is gone).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "opgtui"

#: The layers, bottom up (docs/architecture.md). Every module of opgtui/ is in exactly one of them.
CORE = ("opgtui.core",)  # plain records and helpers every layer may use
CONFIG = ("opgtui.config",)
SOURCES = ("opgtui.sources",)
STORE = ("opgtui.store",)
DIAGNOSIS = ("opgtui.diagnosis",)
DOMAIN = ("opgtui.domain",)  # decisions and summaries
TEAM = ("opgtui.team",)
LEARN = ("opgtui.learn",)
OPS = ("opgtui.ops",)  # use-cases that do I/O
DEMO = ("opgtui.demo",)
CLI = ("opgtui.cli",)
#: The Textual views: the App, its screens and its widgets. Everything else in opgtui/ is headless.
UI = ("opgtui.app", "opgtui.screens", "opgtui.widgets")
LAYERS = (CORE, CONFIG, SOURCES, STORE, DIAGNOSIS, DOMAIN, TEAM, LEARN, OPS, DEMO, CLI, UI)


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = module_files()


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imports_of(name: str, path: Path) -> set[str]:
    """The opgtui modules ``name`` imports anywhere in its source (at the top, inside functions, or for typing):
    a lazy import is still an edge of the design."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from opgtui import store` imports the module opgtui.store; `from opgtui.store import X` the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            if target in MODULES and target.startswith("opgtui") and target != name:
                found.add(target)
    return found


@dataclass(frozen=True)
class Rule:
    """Modules under ``who`` never import ``never``; with ``only``, they import nothing outside it instead."""

    name: str
    who: tuple[str, ...]
    never: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()

    def broken_by(self, importer: str, imported: str) -> bool:
        if not within(importer, self.who) or within(importer, self.exempt):
            return False
        if self.only:
            return not within(imported, self.only) and imported != "opgtui"
        return within(imported, self.never)


RULES = (
    Rule("headless code never imports the views", who=("opgtui",), never=UI, exempt=(*UI, *CLI)),
    Rule(
        "the CLI starts the App and reaches the views no other way", who=CLI, never=("opgtui.screens", "opgtui.widgets")
    ),
    Rule("nothing but the CLI imports the CLI", who=("opgtui",), never=CLI, exempt=CLI),
    Rule("widgets never import screens or the App", who=("opgtui.widgets",), never=("opgtui.screens", "opgtui.app")),
    # a log, a feed or a pool is fetched by a use-case of ops/ (logtarget, logfollow, dumpview, ...), in a worker
    Rule("the views fetch through ops/, never from sources/", who=UI, never=SOURCES),
    Rule("core imports only core", who=CORE, only=CORE),
    Rule("config imports only core", who=CONFIG, only=CORE),
    Rule("sources fetch and normalise: only sources, config and core", who=SOURCES, only=(*SOURCES, *CONFIG, *CORE)),
    Rule("the store holds data: only the store and core", who=STORE, only=(*STORE, *CORE)),
    Rule("diagnosis is pure: only diagnosis and core", who=DIAGNOSIS, only=(*DIAGNOSIS, *CORE)),
    # decisions on records, parametrised by the config, may use diagnosis' verdicts and RE2 patterns; what they
    # read (sources) or write (the store) is handed to them by ops/, which does the I/O
    Rule(
        "domain decides: only domain, diagnosis, config and core",
        who=DOMAIN,
        only=(*DOMAIN, *DIAGNOSIS, *CONFIG, *CORE),
    ),
    Rule("the team store's server side: only team, the store and core", who=TEAM, only=(*TEAM, *STORE, *CORE)),
    Rule("ops are use-cases below the CLI and the views", who=OPS, never=(*CLI, *UI)),
)

#: Edges that break a rule today, each a named debt of issue 15 ("Make the layers real"). Do not add to this list:
#: move the code instead. Remove an entry when its edge is gone (the test says so).
EXCEPTIONS: dict[tuple[str, str], str] = {}


def violations() -> set[tuple[str, str, str]]:
    out: set[tuple[str, str, str]] = set()
    for name, path in MODULES.items():
        for imported in imports_of(name, path):
            out |= {(name, imported, rule.name) for rule in RULES if rule.broken_by(name, imported)}
    return out


def test_the_import_reader_sees_lazy_relative_and_from_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from opgtui import store\nfrom . import model\n"
        "def f():\n    from opgtui.sources.logs import tail\n    import opgtui.core.timefmt\n"
    )
    assert imports_of("opgtui.demo.m", source) == {
        "opgtui.store",
        "opgtui.demo",
        "opgtui.sources.logs",
        "opgtui.core.timefmt",
    }


def test_a_back_edge_breaks_a_rule() -> None:
    """The rules are not vacuous: each edge the design forbids is caught by the rule that names it."""
    wrong = {
        ("opgtui.store", "opgtui.sources.logs"): "the store holds data: only the store and core",
        ("opgtui.diagnosis.engine", "opgtui.store"): "diagnosis is pure: only diagnosis and core",
        ("opgtui.sources.logs", "opgtui.widgets.log_view"): "headless code never imports the views",
        ("opgtui.core.model", "opgtui.config"): "core imports only core",
        ("opgtui.config", "opgtui.ops.collector"): "config imports only core",
        ("opgtui.domain.joblist", "opgtui.store"): "domain decides: only domain, diagnosis, config and core",
        ("opgtui.domain.services", "opgtui.ops.record"): "domain decides: only domain, diagnosis, config and core",
        ("opgtui.ops.actions", "opgtui.cli"): "ops are use-cases below the CLI and the views",
        ("opgtui.learn.library", "opgtui.cli.signatures"): "nothing but the CLI imports the CLI",
        ("opgtui.cli.jobs", "opgtui.screens.jobs"): "the CLI starts the App and reaches the views no other way",
        ("opgtui.widgets.job_table", "opgtui.screens.jobs"): "widgets never import screens or the App",
        ("opgtui.team.roles", "opgtui.ops.collector"): "the team store's server side: only team, the store and core",
        ("opgtui.screens.log", "opgtui.sources.logs"): "the views fetch through ops/, never from sources/",
        ("opgtui.app", "opgtui.sources.dumps"): "the views fetch through ops/, never from sources/",
    }
    for (importer, imported), rule in wrong.items():
        assert rule in {r.name for r in RULES if r.broken_by(importer, imported)}, (importer, imported)
    allowed = [
        ("opgtui.screens.jobs", "opgtui.store"),
        ("opgtui.cli", "opgtui.app"),
        ("opgtui.ops.record", "opgtui.domain.stats"),
        ("opgtui.domain.dq", "opgtui.diagnosis.signatures"),
        ("opgtui.cli.requests", "opgtui.cli"),
        ("opgtui.app", "opgtui.ops.collector"),
        ("opgtui.screens.log", "opgtui.ops.logfollow"),
    ]
    assert not [(i, m) for i, m in allowed if any(r.broken_by(i, m) for r in RULES)]


def test_the_verbs_modules_do_not_import_the_cli_package() -> None:
    """opgtui/cli/__init__.py imports the verbs' modules (lazily, for their verbs); they import what they share
    from cli/common.py, never back from the package (that was an import cycle)."""
    back = sorted(
        name
        for name in MODULES
        if name.startswith("opgtui.cli.")
        and not name.endswith(".__main__")
        and "opgtui.cli" in imports_of(name, MODULES[name])
    )
    assert back == []


def test_all_sql_is_in_the_store() -> None:
    """DESIGN: one module owns all SQL. Outside store/ (and team/, the team store's server-side DDL) no module
    runs a statement, hands the store a WHERE clause of its own or reaches into a store's connection (``.conn``;
    team/ is handed the PostgreSQL session by Store.server_connection): it calls a Store method."""

    outside = sorted(
        name
        for name, path in MODULES.items()
        if not within(name, (*STORE, *TEAM))
        and re.search(r"\.execute\(|\.jobs\(\s*f?[\"']|\.conn\b", path.read_text(encoding="utf-8"))
    )
    assert outside == []


def app_store_uses(path: Path) -> list[int]:
    """Lines where a view uses the App's store connection (``app.store``, ``self.opg.store``, ``self.store`` in the
    App) for anything but its ``path`` or ``dialect``: a query there would run on the UI thread."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    owners = {"app", "opg"} | ({"self"} if path.name == "app.py" else set())
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "store" and isinstance(node.ctx, ast.Load)):
            continue
        owner = node.value
        if not (
            (isinstance(owner, ast.Name) and owner.id in owners)
            or (isinstance(owner, ast.Attribute) and owner.attr in ("app", "opg"))
        ):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in ("path", "dialect"):
            continue
        if (  # getattr(app.store, "dialect", "sqlite")
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and parent.func.id == "getattr"
            and len(parent.args) >= 2
            and isinstance(parent.args[1], ast.Constant)
            and parent.args[1].value == "dialect"
        ):
            continue
        found.append(node.lineno)
    return sorted(found)


def test_the_views_never_query_the_apps_store_connection(tmp_path: Path) -> None:
    """The views read and write the store through screens/reads (read_store, write_store: a worker on a connection
    of its own), never through the App's connection on the UI thread: only its path and dialect are used."""
    used = {name: lines for name, path in MODULES.items() if within(name, UI) and (lines := app_store_uses(path))}
    assert used == {}
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(self, app):\n    app.store.jobs()\n    self.opg.store.job_ad('x')\n    open_store(app.store.path)\n"
        "    getattr(app.store, 'dialect', 'sqlite')\n    self.app.store.conn\n"
    )
    assert app_store_uses(probe) == [2, 3, 6]


def stores_opened_outside_workers(path: Path) -> list[int]:
    """Lines where a view names ``open_store`` anywhere but in a function of its module handed to a worker
    (``run_worker``, ``asyncio.to_thread``, ``threading.Thread(target=...)``) or as the callable handed to one: a
    store opened elsewhere would be read on the UI thread. Functions are matched by name, as far as ``ast`` sees."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    handed: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if called in ("run_worker", "to_thread") and node.args:
                handed.append(node.args[0])
            elif called == "Thread":
                handed += [k.value for k in node.keywords if k.arg == "target"]
    names = {getattr(h, "attr", getattr(h, "id", "")) for h in handed}
    found = []
    for node in ast.walk(tree):
        if getattr(node, "id", getattr(node, "attr", "")) != "open_store" or any(node is h for h in handed):
            continue
        up = parents.get(node)
        while up is not None and not isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef)):
            up = parents.get(up)
        if up is None or up.name not in names:
            found.append(node.lineno)
    return sorted(found)


def test_the_views_open_a_store_only_in_a_worker(tmp_path: Path) -> None:
    """A view reads the store in a worker on a connection of its own (screens/reads, or an App worker such as
    OpgApp.read_chrome, confirm.run_action, signatures.label_jobs): it never opens one on the UI thread."""
    opened = {
        n: lines for n, path in MODULES.items() if within(n, UI) and (lines := stores_opened_outside_workers(path))
    }
    assert opened == {}
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def on_mount(self):\n    with open_store(self.app.store.path) as s:\n        s.jobs()\n"
        "    def work():\n        open_store(p)\n    self.run_worker(work, thread=True)\n"
        "    def later():\n        opgtui.store.open_store(p)\n    later()\n"
        "async def refresh(self):\n    await asyncio.to_thread(open_store, p)\n"
    )
    assert stores_opened_outside_workers(probe) == [2, 8]


def test_the_tree_reads_as_the_design() -> None:
    """Every module is in one layer of the list above, and the top of opgtui/ holds only the config and the App:
    a new module goes into the package of its layer, not beside them."""
    assert {name for name in MODULES if name.count(".") == 1 and MODULES[name].name != "__init__.py"} == {
        "opgtui.config",
        "opgtui.app",
    }
    homeless = sorted(n for n in MODULES if n != "opgtui" and sum(within(n, layer) for layer in LAYERS) != 1)
    assert homeless == []
    for layer in LAYERS:
        for package in layer:
            if (PACKAGE.parent / package.replace(".", "/")).is_dir():
                doc = ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
                assert doc, f"{package}/__init__.py says what the layer holds"


def test_the_one_way_flow_holds_except_for_the_named_debts() -> None:
    found = violations()
    new = sorted(f"{i} imports {m}: breaks '{r}'" for i, m, r in found if (i, m) not in EXCEPTIONS)
    assert not new, "back edges against DESIGN's flow (see docs/architecture.md):\n" + "\n".join(new)
    gone = sorted(f"{i} -> {m}" for i, m in EXCEPTIONS if not any(v[:2] == (i, m) for v in found))
    assert not gone, "these exceptions are fixed: delete them from EXCEPTIONS:\n" + "\n".join(gone)


def headless_modules() -> list[str]:
    return [name for name in MODULES if not within(name, UI) and not name.endswith(".__main__")]  # __main__ runs


def test_the_ui_is_only_the_app_its_screens_and_widgets() -> None:
    """Anything that imports Textual at the top of its file is a view and must live in the view packages."""
    textual_at_top = set()
    for name in headless_modules():
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in tree.body:
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "textual" or n.startswith("textual.") for n in names):
                textual_at_top.add(name)
    assert not textual_at_top


def test_every_headless_module_imports_without_textual() -> None:
    """A submission wrapper running `opgtui check`, the collector and the worker processes never pay for Textual
    (~0.2 s): each headless module is imported in a fresh interpreter and Textual must not be loaded."""
    script = (
        "import importlib, json, sys\n"
        "bad = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules and not bad:\n"
        "        bad[name] = True\n"
        "print(json.dumps(sorted(bad)))\n"
    )
    names = headless_modules()
    assert len(names) > 40 and "opgtui.store" in names and "opgtui.cli" in names
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(names)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout) == [], "imports Textual (the first one found; import it lazily)"


def app_binding_ids() -> set[str]:
    """The ids of every binding the App, its screens and its widgets define, read from their classes."""
    import importlib
    import pkgutil

    from textual.binding import Binding

    import opgtui.screens
    import opgtui.widgets
    from opgtui.app import OpgApp

    classes: list[type] = [OpgApp]
    for package in (opgtui.screens, opgtui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            classes += [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__]
    return {b.id for c in classes for b in getattr(c, "BINDINGS", []) if isinstance(b, Binding) and b.id}


def test_the_keymap_lists_exactly_the_bindings_the_app_defines() -> None:
    """`keys:` is checked against opgtui/core/keymap.py: an id added to a screen must be listed there (or a config
    remapping it is refused), and a listed id no screen defines would be accepted and do nothing."""
    from opgtui.core.keymap import BINDING_IDS

    defined = app_binding_ids()
    assert not defined - set(BINDING_IDS), "add these ids to opgtui/core/keymap.py"
    assert not set(BINDING_IDS) - defined, "no binding has these ids any more: remove them from opgtui/core/keymap.py"
    assert all(what.strip() for what in BINDING_IDS.values())


def test_checking_a_config_that_remaps_keys_does_not_load_textual(tmp_path: Path) -> None:
    """`opgtui config check` in a submission wrapper: a config with `keys:` is checked without the UI."""
    path = tmp_path / "config.yaml"
    path.write_text("keys:\n  view.jobs: f2\n  jobs.filter: ctrl+f\n")
    script = (
        "import sys\nfrom opgtui.config import load_config\n"
        "cfg = load_config(sys.argv[1])\nprint(sorted(cfg.keys), 'textual' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["['jobs.filter',", "'view.jobs']", "False"]


def test_identity_has_one_home_from_the_effective_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module that names the acting user (action log, retries, announcements, requests, learned
    signatures) uses identity.whoami, nothing in opgtui/ reads $USER, $LOGNAME or getpass, and a user's name
    (this process's, a file owner's) is looked up in identity alone."""
    import pwd

    import opgtui.core.identity
    import opgtui.domain.requests
    import opgtui.learn.library
    import opgtui.store

    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    assert opgtui.core.identity.whoami() == pwd.getpwuid(os.geteuid()).pw_name != "mallory"
    whoami = opgtui.core.identity.whoami
    assert opgtui.store.whoami is opgtui.domain.requests.whoami is opgtui.learn.library.whoami is whoami
    readers = sorted(
        name
        for name, path in MODULES.items()
        if any(
            word in path.read_text(encoding="utf-8")
            for word in ("getpass", '"USER"', "'USER'", '"LOGNAME"', "'LOGNAME'")
        )
    )
    assert readers == []
    lookups = sorted(name for name, path in MODULES.items() if "getpwuid" in path.read_text(encoding="utf-8"))
    assert lookups == ["opgtui.core.identity"]


def _defines(function: str) -> list[str]:
    """The modules that define a top-level or nested function called ``function``."""
    return sorted(
        name
        for name, path in MODULES.items()
        if any(
            isinstance(node, ast.FunctionDef) and node.name == function
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )


def test_one_home_for_each_idea() -> None:
    """Ideas issue 15 found in several homes, each in one now: cleaning untrusted text to one line
    (core.textsafe.one_line), parsing an ISO time (core.timefmt.parse_iso, which takes `Z` and any fraction),
    the names of the feed kinds (core.feedkinds), an instant written in a message
    (core.timefmt.utc_minute), a terminal escape sequence (core.textsafe.strip_escapes)."""
    assert _defines("one_line") == ["opgtui.core.textsafe"]
    # a verb's failure is one line on stderr, said by one function (there were four, with four length limits)
    assert _defines("_fail") == []
    assert [name for name in _defines("fail") if name.startswith("opgtui.cli")] == ["opgtui.cli.common"]
    assert _defines("parse_iso") == ["opgtui.core.timefmt"]
    iso_readers = sorted(name for name, path in MODULES.items() if "fromisoformat(" in path.read_text(encoding="utf-8"))
    # demo.timeshift rewrites the demo's times in their own text format (it must round-trip); requests reads dates
    assert iso_readers == ["opgtui.core.timefmt", "opgtui.demo.timeshift", "opgtui.domain.requests"]
    kind_lists = sorted(name for name, path in MODULES.items() if '"osg_downtime", "gocdb"' in path.read_text("utf-8"))
    assert kind_lists == ["opgtui.core.feedkinds"]
    # an instant in a message, "2026-12-07 04:26 UTC", is core.timefmt.utc_minute (lock, retry and feeds wrote it)
    minute_formats = sorted(
        name for name, path in MODULES.items() if re.search(r"%Y-%m-%d[ T]%H:%M(?!:)", path.read_text("utf-8"))
    )
    assert minute_formats == ["opgtui.core.timefmt"]
    # terminal escape sequences are core.textsafe's regex (diagnosis.prefixes had one of its own)
    escape_regexes = sorted(
        name for name, path in MODULES.items() if re.search(r"\[@-~\]|\\x1b(?:\\\[|\(\?:)", path.read_text("utf-8"))
    )
    assert escape_regexes == ["opgtui.core.textsafe"]


def test_every_declared_dependency_is_imported() -> None:
    """A dependency nothing imports (platformdirs was one) is a cost for every install: each one the project
    declares is imported somewhere in opgtui/."""
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module_of = {"htcondor": "htcondor2", "pyyaml": "yaml", "google-re2": "re2", "psycopg[binary]": "psycopg"}
    imported: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.partition(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.partition(".")[0])
    declared = [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    names = [d.split(">")[0].split("<")[0].split("=")[0].strip() for d in declared]
    assert [n for n in names if module_of.get(n, n) not in imported] == []
