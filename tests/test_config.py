"""Config: defaults, validation errors that name file, line and key, the example, no config at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.config import EXAMPLE, Config, ConfigError, load_config, parse_config


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps its parsed configs in a cache of its own (never ~/.cache, nor another test's)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "opgtui"


LAYERS_LOADED = "sorted({m.split('.')[1] for m in sys.modules if m.startswith('opgtui.')})"


def check_in_a_new_interpreter(path: Path, *report: str) -> list[str]:
    """`opgtui config check` as a submission wrapper runs it: ``load_config(path)`` in a fresh interpreter; its
    one-line error (if any), then the value of each ``report`` expression, a line each."""
    import subprocess
    import sys

    script = (
        "import sys\nfrom opgtui.config import ConfigError, load_config\n"
        "try:\n    load_config(sys.argv[1])\nexcept ConfigError as exc:\n    print(exc)\n"
    ) + "".join(f"print({expr})\n" for expr in report)
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(text)
    return p


def test_example_is_valid_and_complete(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, EXAMPLE))
    assert [p.name for p in cfg.pools] == ["fermigrid"]
    assert {f.kind for f in cfg.feeds} == {"alertmanager", "prometheus", "native"}
    nova = cfg.experiment("nova")
    assert nova is not None and nova.depends_on == ["samweb", "dcache", "cvmfs"]
    assert nova.debug_profile.environment["IFDH_DEBUG"] == "1"
    assert cfg.roles.approvers == ["alice", "bob"]
    assert cfg.service_for("SAM web") == "samweb"  # aliases are case-insensitive
    assert cfg.service_for("fndca") == "dcache"
    assert cfg.service_for("somethingelse") == "somethingelse"


def test_typo_key_names_line_and_suggests(tmp_path: Path) -> None:
    text = EXAMPLE.replace("    depends_on: [samweb", "    depend_on: [samweb")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "depend_on:" in ln)
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path / 'config.yaml'}:{line}: experiments[0].depend_on: unknown key")
    assert "did you mean 'depends_on'" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("text", "line", "expect"),
    [
        ("refresh: soon\n", 1, "refresh: expected a number"),
        ("pools:\n  - name: a\n    collector: c\n    timeout: [1]\n", 4, "pools[0].timeout: expected a float"),
        ("feeds:\n  - name: a\n    kind: nagios\n    url: http://x\n", 3, "unknown feed kind 'nagios'"),
        ("feeds:\n  - name: a\n    url: http://x\n", 2, "feeds[0].kind: required key is missing"),
        ("pools:\n  - name: a\n", 2, "give a collector or a list of schedds"),
        ("timezone: Mars/Olympus\n", 1, "unknown time zone"),
        ("services:\n  - name: a\n  - name: a\n", 3, "duplicate name 'a'"),
        ("services:\n  - name: a\nexperiments:\n  - name: x\n    depends_on: [a, b]\n", 5, "unknown service 'b'"),
        ("pools: [\n", 2, "not valid YAML"),
        ("services:\n  - name: a\n    critical: maybe\n", 3, "expected true or false"),
    ],
)
def test_bad_values_are_rejected_with_their_line(tmp_path: Path, text: str, line: int, expect: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert f"config.yaml:{line}:" in str(err.value)
    assert expect in str(err.value)


def test_no_config_at_all_is_the_empty_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    cfg = load_config()
    assert cfg.path is None and cfg.pools == [] and cfg.feeds == []
    assert cfg.store == tmp_path / "data" / "opgtui" / "opgtui.db"
    hints = " ".join(cfg.what_to_configure())
    assert "config.yaml" in hints and "pools:" in hints and "feeds:" in hints


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")


def test_empty_file_is_valid() -> None:
    cfg = parse_config("", Path("empty.yaml"))
    assert isinstance(cfg, Config) and cfg.path == Path("empty.yaml")


def test_store_path_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = parse_config("store: ~/x/opg.db\n", Path("c.yaml"))
    assert cfg.store == tmp_path / "x" / "opg.db"


def test_config_check_rejects_an_unknown_binding_id_with_its_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    path = write(tmp_path, "timezone: UTC\nkeys:\n  view.jobs: f2\n  view.jbos: f3\n")
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code != 0
    assert f"{path}:4: keys.view.jbos: unknown binding id" in result.stderr
    assert "did you mean 'view.jobs'" in result.stderr
    path = write(tmp_path, "keys: {jobs: f2}\n")  # the old example's form: a view name is not a binding id
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code != 0 and f"{path}:1: keys.jobs: unknown binding id" in result.stderr
    path = write(tmp_path, "keys: {view.jobs: f2, status.history: o, timeline.zoom: Z, jobs.filter: ctrl+f}\n")
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output


async def test_a_key_remapped_as_the_example_says_works(tmp_path: Path) -> None:
    """The comment over `keys:` in the example shows a form that really moves the key."""
    import re

    from opgtui.app import OpgApp
    from opgtui.store import open_store

    (example,) = re.findall(r"^# Remap keys.*e\.g\. (\{.*\})", EXAMPLE, re.M)
    cfg = parse_config(f"keys: {example}\n", tmp_path / "c.yaml")
    cfg.store = tmp_path / "s.db"
    app = OpgApp(cfg, open_store(cfg.store), refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(next(iter(cfg.keys.values())))
        await pilot.pause()
        assert app.current_mode != "status"


@pytest.mark.parametrize("value", ["0", "-5"])
def test_refresh_must_be_positive(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, f"timezone: UTC\nrefresh: {value}\n"))
    assert str(err.value).startswith(f"{tmp_path / 'config.yaml'}:2: refresh: must be positive")


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://shifter@db.example.org:5432/opgtui?sslmode=require",
        "postgres://db/opgtui",
        "service=opgtui",
        "host=/tmp/pg dbname=opgtui",
    ],
)
def test_a_team_store_in_the_config_stays_a_connection_string(value: str) -> None:
    """`store: postgresql://...` must reach the store as written (a Path would fold // into /)."""
    cfg = parse_config(f"store: '{value}'\n", path=None)
    assert cfg.store == value


def test_a_mistyped_feed_kind_lists_the_known_kinds_without_loading_the_feed_modules(tmp_path: Path) -> None:
    """`opgtui config check` in a submission wrapper: an unknown kind is one line naming the known ones (built-in
    and plugin kinds, from the one list in core/feedkinds.py), and no feed module is imported to say so."""
    path = write(tmp_path, "feeds:\n  - name: a\n    kind: alertmanger\n    url: http://x\n")
    out = check_in_a_new_interpreter(
        path, "sorted(m for m in sys.modules if m.startswith('opgtui.sources'))", "'importlib.metadata' in sys.modules"
    )
    assert out[0].endswith(
        "feeds[0].kind: unknown feed kind 'alertmanger' (known: statuspage, alertmanager, "
        "prometheus, osg_downtime, gocdb, native)"
    )
    assert out[1:] == ["[]", "False"]  # nor importlib.metadata (~25 ms): plugins are read by core.entrypoints


def test_a_bad_events_line_is_checked_on_re2_without_loading_the_diagnosis_engine(tmp_path: Path) -> None:
    """A data-quality `events_line` is checked by the one RE2 pattern checker (core/patterns.py, the packs' own):
    `opgtui config check` names the line and the backtracking, and loads neither diagnosis nor the domain."""
    path = write(tmp_path, "experiments:\n  - name: nova\n    dq:\n      events_line: '(\\d+) events \\1'\n")
    out = check_in_a_new_interpreter(path, LAYERS_LOADED)
    assert ":4: experiments[0].dq.events_line: pattern needs backtracking" in out[0]
    assert out[1] == "['config', 'core']"


def test_a_mistyped_request_field_is_named_without_loading_the_request_workflow(tmp_path: Path) -> None:
    """`experiments[].request_required` is checked against the one field catalogue (core/requestfields.py): a
    typo gets a suggestion, and the request workflow (and its domain layer) is not imported to say so."""
    path = write(tmp_path, "experiments:\n  - name: nova\n    request_required: [title, fhcl]\n")
    out = check_in_a_new_interpreter(path, LAYERS_LOADED)
    assert out[0].endswith(
        ":3: experiments[0].request_required[1]: unknown request field 'fhcl' (did you mean 'fhicl'?)"
    )
    assert out[1] == "['config', 'core']"


def test_a_config_read_before_starts_without_yaml_and_an_edit_is_read_again(tmp_path: Path) -> None:
    """The second start-up on the same text skips PyYAML (~15 ms): the parsed data is kept in the user's cache and
    checked again as a new file's; any change of the text is parsed afresh, errors still at their line."""
    import subprocess
    import sys

    path = write(tmp_path, "timezone: UTC\nservices:\n  - name: dcache\n")
    script = (
        "import sys\nfrom opgtui.config import load_config\ncfg = load_config(sys.argv[1])\n"
        "print([s.name for s in cfg.services], 'yaml' in sys.modules)\n"
    )

    def start() -> str:
        done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=False)
        return done.stdout.strip() + done.stderr.strip()

    assert start() == "['dcache'] True"
    assert start() == "['dcache'] False"
    path.write_text("timezone: UTC\nservices:\n  - name: dCache\n")  # same size, new text
    assert start() == "['dCache'] True"
    path.write_text("timezone: UTC\nservices:\n  - name: dCache\n    critcal: true\n")
    assert f"{path}:4: services[0].critcal: unknown key" in start()


def test_a_kept_configs_patterns_are_not_compiled_again(tmp_path: Path) -> None:
    """RE2 (a C++ library to load) checked the events_line, and the field catalogue the request fields, when the
    config was kept; the next start-ups (every `opgtui status` and `check`) trust that and load neither. A pattern
    RE2 refuses is never kept."""
    nova = "  - name: nova\n    request_required: [fhicl]\n"
    text = f"experiments:\n{nova}    dq: {{events_line: 'Events total = (\\d+)'}}\n"
    path = write(tmp_path, text)
    loaded = "'re2' in sys.modules, 'opgtui.core.requestfields' in sys.modules"
    assert check_in_a_new_interpreter(path, loaded) == ["True True"]
    assert check_in_a_new_interpreter(path, loaded) == ["False False"]
    assert load_config(path).experiments[0].dq.events_line == "Events total = (\\d+)"  # type: ignore[union-attr]
    path.write_text(text.replace("(\\d+)", "(?P<n>\\d+)(?=x)"))
    for _ in range(2):
        out = check_in_a_new_interpreter(path, "'re2' in sys.modules")
        assert "experiments[0].dq.events_line: pattern needs backtracking" in out[0] and out[1] == "True"


def test_a_kept_config_whose_world_changed_is_refused_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check that depends on the machine (a group, a zone, a plugin) runs on every start-up, kept or not."""
    path = write(tmp_path, "refresh: 30\nkeys: {view.jobs: f2}\n")
    assert load_config(path).keys == {"view.jobs": "f2"}
    assert load_config(path).keys == {"view.jobs": "f2"}  # from the cache
    monkeypatch.setattr("opgtui.config.BINDING_IDS", frozenset({"view.status"}))  # the binding went away
    with pytest.raises(ConfigError, match=r"config.yaml:2: keys.view.jobs: unknown binding id"):
        load_config(path)


def forge(cache_dir: Path, path: Path, text: str, data: object, loader: object = None) -> Path:
    """A cache entry that says ``text`` parsed to ``data`` (what a stale version, or someone else, left there), as
    this opgtui's reader (else ``loader``) would keep it."""
    import json

    from opgtui.config import _loader_stamp

    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cache = cache_dir / "config.json"
    entry = {"text": text, "data": data, "loader": _loader_stamp() if loader is None else loader}
    cache.write_text(json.dumps({str(path.absolute()): entry}))
    cache.chmod(0o600)
    return cache


def test_the_users_own_cache_is_what_a_start_up_reads(tmp_path: Path, own_cache: Path) -> None:
    """The control for the refusals below: a private entry for the same text is used without parsing."""
    path = write(tmp_path, "refresh: 30\n")
    forge(own_cache, path, "refresh: 30\n", {"refresh": 5})
    assert load_config(path).refresh == 5


@pytest.mark.parametrize("how", ["group-writable file", "world-writable directory", "a link", "another user's"])
def test_a_cache_someone_else_could_have_written_is_never_trusted(tmp_path: Path, own_cache: Path, how: str) -> None:
    import os

    path = write(tmp_path, "refresh: 30\n")
    cache = forge(own_cache, path, "refresh: 30\n", {"refresh": 5})
    if how == "group-writable file":
        cache.chmod(0o620)
    elif how == "world-writable directory":
        own_cache.chmod(0o777)
    elif how == "a link":
        cache.rename(tmp_path / "elsewhere.json")
        cache.symlink_to(tmp_path / "elsewhere.json")
    elif os.geteuid() == 0:
        os.chown(cache, 65534, 65534)
    else:
        pytest.skip("only root can give a file to another user")
    assert load_config(path).refresh == 30


def test_a_stale_cache_entry_is_read_again_from_the_file(tmp_path: Path, own_cache: Path) -> None:
    """An entry an older opgtui kept (a key this version does not have) is parsed afresh, not an error."""
    path = write(tmp_path, "refresh: 30\n")
    forge(own_cache, path, "refresh: 30\n", {"refresh": 5, "gone_key": 1})
    assert load_config(path).refresh == 30
    forge(own_cache, path, "refresh: 40\n", {"refresh": 5})  # kept for an older text of the file
    assert load_config(path).refresh == 30
    forge(own_cache, path, "refresh: 30\n", {"refresh": 5}, loader=["0.0.1", 1, 2])  # by another opgtui's reader
    assert load_config(path).refresh == 30


def test_no_cache_is_written_into_a_directory_others_can_write(tmp_path: Path, own_cache: Path) -> None:
    own_cache.mkdir(parents=True)
    own_cache.chmod(0o777)
    load_config(write(tmp_path, "refresh: 30\n"))
    assert list(own_cache.iterdir()) == []
    own_cache.chmod(0o700)
    load_config(write(tmp_path, "refresh: 30\n"))
    cache = own_cache / "config.json"
    assert [p.name for p in own_cache.iterdir()] == ["config.json"] and cache.stat().st_mode & 0o777 == 0o600
