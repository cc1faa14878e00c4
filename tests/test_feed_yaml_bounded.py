"""A feed's YAML goes through the bounded loader: an alias bomb or a python tag is one FeedError, at once."""

from __future__ import annotations

import time

import pytest

from opgtui.config import FeedConfig
from opgtui.sources.feeds import FeedError, osg_downtime

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def feed() -> FeedConfig:
    return FeedConfig(name="osg-t", kind="osg_downtime", url="http://feeds.test/osg.yaml", options={})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (BOMB, "not valid YAML.*alias"),
        ("- !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ],
)
def test_hostile_feed_yaml_is_one_clean_error(payload: str, message: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(FeedError, match=message) as err:
        osg_downtime.parse(payload, feed(), now=0, service_for=str)
    assert time.perf_counter() - t0 < 2.0  # the unbounded loader took minutes and gigabytes on the bomb
    assert "\n" not in str(err.value) and "osg-t" in str(err.value)
