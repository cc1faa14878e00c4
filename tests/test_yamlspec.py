"""Typed YAML (opgtui.core.yamlspec): msgspec Structs checked against the YAML a person wrote, each problem one
line naming the file, the line and the key; the JSON Schemas shipped for editors are the Structs'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opgtui.core.yamlspec import Spec, SpecError, json_schema, read

DOCS = Path(__file__).resolve().parents[1] / "docs" / "schema"


class Inner(Spec):
    name: str
    owners: list[str] = []
    timeout: float = 30.0
    retries: int = 3
    enabled: bool = False
    env: dict[str, str] = {}


class Outer(Spec):
    items: list[Inner] = []
    where: list[Path] = []
    label: str | None = None


def fail(text: str) -> str:
    with pytest.raises(SpecError) as err:
        read(text, Outer, "f.yaml")
    message = str(err.value)
    assert "\n" not in message
    return message


def test_a_file_reads_into_its_structs_with_yamls_loose_scalars(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    text = (
        "items:\n  - name: 2024\n    owners: novapro\n    retries: 4.0\n    env: {DEBUG: 1}\n"
        "where: [~/packs]\nlabel: 2026-12-06\n"
    )
    value, root = read(text, Outer, "f.yaml")
    assert value == Outer(
        [Inner("2024", ["novapro"], retries=4, env={"DEBUG": "1"})], [tmp_path / "packs"], "2026-12-06"
    )
    assert root is not None and read("", Outer, "f.yaml") == (None, None)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("items:\n  - name: a\n    timout: 5\n", "f.yaml:3: items[0].timout: unknown key (did you mean 'timeout'?)"),
        ("itms: []\n", "f.yaml:1: itms: unknown key (did you mean 'items'?)"),
        ("items:\n  - owners: [a]\n", "f.yaml:2: items[0].name: required key is missing"),
        ("items:\n  - name: a\n    timeout: soon\n", "f.yaml:3: items[0].timeout: expected a number, got 'soon'"),
        ("items:\n  - name: a\n    retries: 2.5\n", "f.yaml:3: items[0].retries: expected a whole number, got '2.5'"),
        (
            "items:\n  - name: a\n    enabled: maybe\n",
            "f.yaml:3: items[0].enabled: expected true or false, got 'maybe'",
        ),
        ("items:\n  - name: a\n    timeout: [1]\n", "f.yaml:3: items[0].timeout: expected a float, got a list"),
        ("items:\n  - name: a\n    owners: {a: 1}\n", "f.yaml:3: items[0].owners: expected a list of strings"),
        ("items: {name: a}\n", "f.yaml:1: items: expected a list, got a mapping"),
        (
            "items:\n  - name: a\n    env:\n      A: x\n      B: [1]\n",
            "f.yaml:5: items[0].env.B: expected a string, got a list",
        ),
        ("items:\n  - name: a\n    timeout: .inf\n", "f.yaml:3: items[0].timeout: expected a finite number"),
        ("label: [x\n", "f.yaml:2: not valid YAML"),
        ("- a\n- b\n", "f.yaml:1: expected a mapping, got a list"),
    ],
)
def test_each_problem_is_one_line_naming_the_file_line_and_key(text: str, expect: str) -> None:
    assert fail(text).startswith(expect)


def test_untrusted_keys_reach_the_message_cleaned() -> None:
    message = fail('items:\n  - name: a\n    "\\e]52;c;aGk=\\a": 1\n')
    assert "\x1b" not in message and "\x07" not in message and message.startswith("f.yaml:3: items[0].")


@pytest.mark.parametrize(
    ("name", "spec"), [("config", "opgtui.config:Settings"), ("request", "opgtui.domain.requests:RequestFile")]
)
def test_the_shipped_json_schemas_are_the_structs(name: str, spec: str) -> None:
    """docs/schema/*.schema.json is what an editor checks the files with; it must say what the loader takes.
    After changing a Struct, write it again: python -c 'import json; from opgtui.core.yamlspec import json_schema;
    from opgtui.config import Settings; print(json.dumps(json_schema(Settings), indent=2))' > FILE"""
    import importlib

    module, _, attr = spec.partition(":")
    shipped = json.loads((DOCS / f"{name}.schema.json").read_text())
    assert shipped == json_schema(getattr(importlib.import_module(module), attr))


def test_the_config_schema_takes_what_the_example_config_gives() -> None:
    """Every key the commented example config uses is a property the schema declares, at every level."""
    from opgtui.config import EXAMPLE, Settings
    from opgtui.core import safeyaml

    schema = json_schema(Settings)
    defs = schema["$defs"]

    def check(value: object, node: dict[str, object], where: str) -> None:
        if "$ref" in node:
            node = defs[str(node["$ref"]).rsplit("/", 1)[1]]
        if isinstance(value, dict) and "properties" in node:
            props = node["properties"]
            assert isinstance(props, dict)
            for key, sub in value.items():
                assert key in props, f"{where}.{key} is not in the schema"
                check(sub, props[key], f"{where}.{key}")
        elif isinstance(value, list) and node.get("type") == "array":
            for item in value:
                check(item, node["items"], where)  # type: ignore[arg-type]

    check(safeyaml.load(EXAMPLE), schema, "config")
    assert schema["$defs"]["Settings"]["additionalProperties"] is False


def test_a_pack_signature_is_checked_by_its_struct_with_the_line_of_the_signature(tmp_path: Path) -> None:
    """A signature's keys are the Struct's (exactly the keys packs have always taken); a bad one is reported with
    the line it starts on, a typo with the key meant, a wrong type with what was expected."""
    from opgtui.diagnosis.signatures import SignatureSpec, load_packs

    assert set(SignatureSpec.__struct_fields__) == {
        "id",
        "pattern",
        "category",
        "action",
        "title",
        "example",
        "service",
        "priority",
        "benign",
        "requires",
        "numbers",
        "examples",
        "notes",
        "role",
        "exclude",
        "record",
    }
    good = "    category: code\n    action: debug\n    title: t\n"
    (tmp_path / "p.yaml").write_text(
        "pack: p\nsignatures:\n"
        f"  - id: fine_one\n    pattern: fine\n{good}    example: fine\n"
        f"  - id: typo_one\n    pattern: foo\n{good}    example: foo\n    benighn: [x]\n"
        f"  - id: list_prio\n    pattern: bar\n{good}    example: bar\n    priority: [1]\n"
    )
    for _ in range(2):  # the second time from the pack cache, which keeps no lines: still the line
        errors = load_packs([tmp_path], plugins=False).errors
        assert [e.replace(str(tmp_path), "") for e in errors] == [
            "/p.yaml:9: signature 'typo_one': unknown keys benighn (did you mean 'benign'?)",
            "/p.yaml:16: signature 'list_prio': priority: expected a whole number, got a list",
        ]


@pytest.mark.parametrize("kind", ["config", "request", "pack", "codes", "feed"])
def test_opgtui_config_schema_prints_the_shipped_schema(kind: str) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    result = CliRunner().invoke(main, ["config", "schema", kind])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads((DOCS / f"{kind}.schema.json").read_text())


def test_every_bundled_pack_is_what_the_pack_schema_declares() -> None:
    """The pack schema's signature properties are the keys the bundled packs use (and nothing they need is missing)."""
    from classifiers import PACK_DIR
    from opgtui.core import safeyaml

    schema = json.loads((DOCS / "pack.schema.json").read_text())
    props = schema["$defs"]["SignatureSpec"]["properties"]
    required = set(schema["$defs"]["SignatureSpec"]["required"])
    used: set[str] = set()
    for path in sorted(PACK_DIR.glob("*.yaml")):
        for sig in safeyaml.load_file(path)["signatures"]:
            assert required <= set(sig) and set(sig) <= set(props), (path.name, sig.get("id"))
            used |= set(sig)
    assert {"id", "pattern", "category", "benign", "role"} <= used


class Step(Spec):
    run: str
    retries: int = 0


class Steps(Spec):
    steps: dict[str, Step] = {}


def test_a_problem_inside_a_mapping_of_structs_names_the_entry_at_fault() -> None:
    """msgspec does not say which of a dict's values failed: the message names the one that has the unknown key (or
    lacks the required one), at its line, not the first entry."""
    ok = "steps:\n  fetch: {run: sam_get}\n"
    with pytest.raises(SpecError) as err:
        read(ok + "  reco: {run: art, retires: 2}\n", Steps, "wf.yaml")
    assert str(err.value) == "wf.yaml:3: steps.reco.retires: unknown key (did you mean 'retries'?)"
    with pytest.raises(SpecError) as err:
        read(ok + "  merge: {retries: 1}\n", Steps, "wf.yaml")
    assert str(err.value) == "wf.yaml:3: steps.merge.run: required key is missing"


def test_kept_data_with_no_yaml_behind_it_is_still_one_line() -> None:
    """Data from a cache has no lines; a key it should not have is still a SpecError, never another exception."""
    from opgtui.core.yamlspec import convert

    with pytest.raises(SpecError, match=r"^wf.yaml: steps.retires: unknown key$"):
        convert({"steps": {"reco": {"run": "art", "retires": 2}}}, Steps, None, "wf.yaml")
