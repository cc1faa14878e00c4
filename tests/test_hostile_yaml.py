"""Hostile YAML (issue 17 items 3 and 10): every YAML opgtui reads goes through one bounded loader; alias bombs,
python tags, deep nesting and huge values are one line naming the file and line, quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.config import ConfigError, load_config
from opgtui.core import safeyaml

HOSTILE = Path(__file__).parent / "data" / "hostile"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_alias_bomb_config_is_refused_fast_with_file_and_line(env: Path) -> None:
    path = HOSTILE / "yaml_alias_bomb_config.yaml"
    start = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert time.perf_counter() - start < 1.0
    assert "alias bomb" in str(err.value) and err.value.line is not None and err.value.line > 1
    code, out, errtext = run("--config", str(path), "config", "check")
    assert code == 2 and out == ""
    assert errtext.startswith(f"opgtui: {path}:") and "alias" in errtext and errtext.count("\n") == 1


def test_unknown_key_with_escapes_is_shown_cleaned(env: Path) -> None:
    path = HOSTILE / "config_unknown_key_escape.yaml"
    code, _, errtext = run("--config", str(path), "config", "check")
    assert code == 2 and "unknown key" in errtext and f"{path}:3:" in errtext
    assert "\x1b" not in errtext and "\x07" not in errtext and "\u202e" not in errtext
    assert "\\u202e" in errtext and "evil" in errtext


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("x: !!python/object/apply:os.system [echo]\n", "not allowed", 1),
        ("a: 1\nb: " + "[" * 200 + "]" * 200 + "\n", "nested deeper", 2),
        ("a: &a [*a]\n", "recursive alias", 1),
        ("a: &a [1]\nb: [" + ", ".join(["*a"] * 1001) + "]\n", "more than 1000 aliases", 2),
        ("a:\n  b: " + "x" * (300 << 10) + "\n", "characters", 2),
        ("a: 1\n---\nb: 2\n", "more than one YAML document", 2),
        ("a: " + "9" * 5000 + "\n", "bad value", 1),
        ("a: [1,\n", "not valid YAML", 2),
    ],
)
def test_bounded_loader_refuses_with_one_line(text: str, problem: str, line: int) -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load(text, "f.yaml")
    assert err.value.line == line and problem in err.value.problem
    assert str(err.value).startswith(f"f.yaml:{line}: ") and "\n" not in str(err.value)


def test_bounded_loader_reads_ordinary_yaml_with_anchors_and_merges(tmp_path: Path) -> None:
    text = "base: &b {mem: 2000, env: {A: '1'}}\njob:\n  <<: *b\n  mem: 4000\nwhen: 2026-12-06\nn: ~\n"
    data = safeyaml.load(text)
    assert data["job"] == {"mem": 4000, "env": {"A": "1"}} and data["n"] is None
    assert safeyaml.load("") is None
    f = tmp_path / "big.yaml"
    f.write_text("".join(f"k{i}: {i}\n" for i in range(10)))
    assert safeyaml.load_file(f) == {f"k{i}": i for i in range(10)}
    with pytest.raises(safeyaml.YamlError, match="larger than"):
        safeyaml.load_file(f, safeyaml.Limits(max_bytes=20))
    f.write_bytes(b"a: \xff\n")
    with pytest.raises(safeyaml.YamlError, match="not UTF-8"):
        safeyaml.load_file(f)


@pytest.fixture
def request_cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "c.yaml"
    path.write_text(f"store: {tmp_path / 's.db'}\nexperiments:\n  - {{name: nova}}\n")
    return path


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("yaml_python_object_request.yaml", "not allowed"),
        ("yaml_deep_nesting_request.yaml", "nest"),  # libyaml stops at 1,000 levels, we at 8
    ],
)
def test_request_import_of_hostile_yaml_is_one_line(request_cfg: Path, name: str, problem: str) -> None:
    path = HOSTILE / name
    code, out, errtext = run("--config", str(request_cfg), "request", "import", str(path))
    assert code == 2 and out == ""
    assert errtext.startswith(f"opgtui: {path}:") and problem in errtext and errtext.count("\n") == 1


def test_request_import_of_a_20mb_field_is_refused_fast(request_cfg: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("experiment: nova\ntitle: big\nnotes: " + "x" * (20 << 20) + "\n")
    start = time.perf_counter()
    code, _, errtext = run("--config", str(request_cfg), "request", "import", str(big))
    assert time.perf_counter() - start < 2.0
    assert code == 2 and "larger than" in errtext and errtext.count("\n") == 1
    mid = tmp_path / "mid.yaml"  # under the file cap, over the field cap
    mid.write_text("experiment: nova\ntitle: t\nrelease: " + "v" * 5000 + "\n")
    code, _, errtext = run("--config", str(request_cfg), "request", "import", str(mid))
    assert code == 2 and f"{mid}:3: release: too long: 5,000 characters" in errtext


def test_oversized_fields_are_refused_from_the_command_line(request_cfg: Path) -> None:
    code, _, errtext = run(
        "--config", str(request_cfg), "request", "new", "-e", "nova", "-t", "t", "--set", "notes=" + "n" * 30_000
    )
    assert code == 2 and "notes: too long: 30,000 characters (at most 20,000)" in errtext
    code, _, errtext = run("--config", str(request_cfg), "request", "new", "-e", "nova", "-t", "T" * 2000)
    assert code == 2 and "title: too long" in errtext


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("timezone: America\n", "unknown time zone"),  # a directory of the zone database
        ("timezone: America/Chicago" + "9" * 300 + "\n", "unknown time zone"),  # a name too long for the filesystem
        ("refresh: " + "9" * 400 + "\n", "finite number of sensible size"),  # int too large to convert to float
        ("refresh: .nan\n", "finite number"),
        ("record: {keep_days: .inf}\n", "finite number"),
    ],
)
def test_config_values_found_by_fuzzing_are_one_line(tmp_path: Path, text: str, problem: str) -> None:
    from opgtui.config import parse_config

    with pytest.raises(ConfigError, match=problem) as err:
        parse_config(text, tmp_path / "c.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'c.yaml'}:") and "\n" not in str(err.value)


PIECES = [
    "&a",
    "*a",
    "!!python/object:os.system",
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "\t",
    "\x00",
    "\x1b]52;c;x\x07",
    "\u202e",
    "9" * 5000,
    "1e999",
    "-1",
    "0x10",
    "~",
    "null",
    "true",
    "'",
    '"',
    "<<: *a",
    "\n  ",
    "!!binary x",
    "2026-02-31",
    "&b [*a,*a,*a]",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "? ",
    "|",
    ">",
    ".nan",
    "America",
]


def _mutate(rng: object, text: str) -> str:
    import random

    assert isinstance(rng, random.Random)
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        op, i = rng.random(), rng.randrange(len(chars) + 1)
        if op < 0.3:
            del chars[i : i + rng.randint(1, 20)]
        elif op < 0.85:
            chars[i:i] = list(rng.choice(PIECES))
        else:
            chars = chars[:i]
    return "".join(chars)


def test_fuzzed_configs_and_request_files_give_a_result_or_one_line(tmp_path: Path) -> None:
    """2,000 mutations (deletions, truncations, hostile pieces) of the example config and of an exported request:
    each is read or refused in one line; none raises anything else."""
    import random

    from opgtui.config import EXAMPLE, parse_config
    from opgtui.core.model import ProductionRequest
    from opgtui.domain import requests as rq

    rng = random.Random(17)
    request = rq.to_yaml(ProductionRequest("nova", "t", "me", fields={"notes": "n", "events": 10, "fhicl": ["a.fcl"]}))
    counts = {"read": 0, "refused": 0}
    start = time.perf_counter()
    for k in range(2000):
        text = _mutate(rng, EXAMPLE if k % 2 == 0 else request)
        try:
            if k % 2 == 0:
                parse_config(text, tmp_path / "c.yaml")
            else:
                rq.from_yaml(text, "r.yaml")
            counts["read"] += 1
        except (ConfigError, rq.RequestFormatError) as exc:
            assert "\n" not in str(exc) and "\x1b" not in str(exc) and "\u202e" not in str(exc), repr(str(exc))
            counts["refused"] += 1
    assert counts["refused"] > 1000 and counts["read"] > 100
    assert time.perf_counter() - start < 30


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path: Path) -> None:
    """A signature that lost its '- id:' line merged silently with the one above: a repeated key is one line."""
    pack = tmp_path / "pack.yaml"
    pack.write_text("signatures:\n  - id: a\n    pattern: x\n    category: service\n    pattern: y\n")
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load_file(pack)
    assert str(err.value) == f"{pack}:5: pattern: given twice (first at line 3)"
    assert safeyaml.load("a: 1\nb: {a: 2}\n'1': x\n1: y\n") == {"a": 1, "b": {"a": 2}, "1": "x", 1: "y"}


def test_a_config_key_given_twice_names_the_line(env: Path) -> None:
    cfg = env / "cfg" / "opgtui" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("timezone: UTC\nrefresh_seconds: 30\ntimezone: Europe/Zurich\n")
    code, _out, err = run("config", "check")
    assert code != 0
    assert "config.yaml:3: timezone: given twice" in err
