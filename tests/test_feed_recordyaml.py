"""The fast reading of OSG Topology's downtime files gives what the general YAML loader gives, or declines."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from opgtui.config import FeedConfig
from opgtui.core import safeyaml
from opgtui.sources.feeds import osg_downtime
from opgtui.sources.feeds.base import _FEED_YAML_LIMITS, FeedError
from opgtui.sources.feeds.recordyaml import records

DATA = Path(__file__).parent / "data" / "feeds"
RECORDED = sorted(DATA.glob("osg_*.yaml"))
NOW = 1_700_000_000.0


def _general(text: str) -> object:
    try:
        return safeyaml.load(text, limits=_FEED_YAML_LIMITS)
    except safeyaml.YamlError as exc:
        return exc


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_every_recorded_downtime_file_is_read_fast_and_the_same(path: Path) -> None:
    text = path.read_text()
    fast = records(text, _FEED_YAML_LIMITS)
    assert fast is not None
    assert fast == _general(text)


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_the_feed_reports_the_same_either_way(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = FeedConfig("osg", "osg_downtime", "http://topology.example/x_downtime.yaml")
    payload = path.read_bytes()

    def report() -> object:
        try:
            return osg_downtime.parse(payload, feed, now=NOW, service_for=str)
        except FeedError as exc:  # the template's placeholders are no times
            return str(exc)

    fast = report()
    monkeypatch.setattr(osg_downtime, "records", lambda text, limits: None)
    assert fast == report()


SIMPLE = """\
# a comment
- Class: SCHEDULED
  Description: one line
    goes on here
  ID: 12
  Note: 'it''s quoted: # not a comment'
  Services:
  - CE
  - 'Squid'
  Block: |
    line one
      indented # kept

    after a blank
  Strip: |-
    last
- Class: UNSCHEDULED
  Services:
    - GridFtp
    # - SRMv2
    - 7
  Severity: Outage
"""


def test_the_simple_shape_is_read() -> None:
    fast = records(SIMPLE, _FEED_YAML_LIMITS)
    assert fast == _general(SIMPLE)
    assert fast is not None and fast[0]["ID"] == 12 and fast[0]["Block"].endswith("after a blank\n")
    assert fast[1]["Services"] == ["GridFtp", 7]


@pytest.mark.parametrize(
    "text",
    [
        "- A: 2016-09-13\n",  # a date
        "- A: 1.5\n",  # a float
        "- A: 012\n",  # octal
        "- A: yes\n",  # a boolean
        "- A: ~\n",  # null
        "- A:\n- B: x\n",  # an empty value
        "- A: x # a comment\n",
        "- A: x: y\n",
        '- A: "double"\n',
        "- A: 'over\n    lines'\n",
        "- A: &anchor x\n  B: *anchor\n",
        "- A: !!str x\n",
        "- A: [x, y]\n",
        "- A: >\n    folded\n",
        "- A: x\n  A: y\n",  # a key twice: the general loader refuses it
        "- A: x\n\n    more\n",  # a blank line inside a plain value
        "- A: x\n\tB: y\n",
        "- A: caf\u00e9\n",
        "---\n- A: x\n",
        "A: x\n",
        "- A: |\n\n    late\n",
        "- A: |\n      \n    x\n",
        "- yes: x\n",  # a key the resolver reads as a boolean
        "# only a comment\n",
        "",
    ],
)
def test_other_shapes_are_left_to_the_general_loader(text: str) -> None:
    assert records(text, _FEED_YAML_LIMITS) is None


def test_limits_are_the_general_loaders() -> None:
    small = safeyaml.Limits(max_scalar=10)
    assert records("- A: a value of more than ten\n", small) is None
    assert records("- A: short\n", safeyaml.Limits(max_bytes=5)) is None


_TRICKY = [" ", "\n", ":", "#", "'", '"', "-", "|", "|-", ">", "&a ", "*a", "!", "\t", "0", "012", "y", "~", "[", "{"]
_TRICKY += [",", "?", "%", "@", "`", "\r", "  ", "\n  ", "\n    ", "\n- ", ": ", " #", "''", "null", "yes", "1.5"]
_TRICKY += ["2020-01-01", "\n\n", "\u00e9", "<<", "="]


def test_changed_files_are_read_the_same_or_declined() -> None:
    """Random edits of the recorded files (the characters YAML gives a meaning to): whatever the fast reading
    accepts, the general loader reads the same (45,000 edits checked while writing it; 1,500 here)."""
    docs = [p.read_text()[:2500] for p in RECORDED]
    rng = random.Random(7)
    accepted = 0
    for _ in range(1500):
        text = rng.choice(docs)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            op = rng.random()
            if op < 0.5:
                text = text[:i] + rng.choice(_TRICKY) + text[i:]
            elif op < 0.8:
                text = text[:i] + rng.choice(_TRICKY) + text[i + rng.randint(1, 3) :]
            else:
                text = text[:i] + text[i + rng.randint(1, 5) :]
        fast = records(text, _FEED_YAML_LIMITS)
        if fast is not None:
            accepted += 1
            assert fast == _general(text), text
    assert accepted > 300
