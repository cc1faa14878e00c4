"""one_line reads a bounded prefix of its text: a hostile value of a megabyte (an ad's LastRemoteHost, a batch
name) squeezed for a label once per failed job must not make the failure summary's weighing take seconds."""

from __future__ import annotations

import time

from opgtui.core.model import Job, JobStatus
from opgtui.core.textsafe import READ_AT_LEAST, one_line
from opgtui.domain.failures import summarise
from opgtui.domain.population import analyse


def test_a_long_text_is_read_to_a_bounded_prefix_and_says_there_is_more() -> None:
    assert one_line("h" * 1_000_000 + ".org", 60) == "h" * 59 + "…"
    assert one_line(" " * (READ_AT_LEAST + 10) + "x", 60) == "…"  # more than the prefix holds: said, not read
    assert one_line("a b\tc\n" * 10, 500) == ("a b c " * 10).strip()  # short texts exactly as before
    assert one_line("x" * READ_AT_LEAST, 60_000) == "x" * READ_AT_LEAST


def test_a_megabyte_host_name_on_a_black_hole_node_is_weighed_quickly() -> None:
    """3,000 failures on a node whose name is 1 MB, 200 successes elsewhere: the population finds the node and
    summarise labels every failure with its hint (one_line of the host each time): 12.5 s of CPU when one_line
    read the whole name."""
    host = "h" * 1_000_000 + ".example.org"
    done = int(JobStatus.COMPLETED)
    jobs = [Job(f"s#{i}.0", "s", i, 0, batch_name="b", status=done, exit_code=1, last_host=host) for i in range(3000)]
    jobs += [
        Job(f"s#{i}.0", "s", i, 0, batch_name="b", status=done, exit_code=0, last_host=f"ok{i % 30}")
        for i in range(3000, 3200)
    ]
    started = time.process_time()
    groups = summarise(jobs[:3000], {}, analyse(jobs, {}, [], now=2e9))
    took = time.process_time() - started
    assert groups[0].count == 3000 and groups[0].hint == f"probably service (node {'h' * 59}…)"
    assert took < 3.0, f"{took:.1f} s of CPU"
