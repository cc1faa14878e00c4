"""Scheduled maintenance from the feeds appears as announcements on every screen."""

from __future__ import annotations

from pathlib import Path

from opgtui.app import OpgApp
from opgtui.core.model import Announcement, Window
from opgtui.domain.maintenance import maintenance_announcements
from opgtui.store import open_store

NOW = 1_800_000_000.0
H = 3600.0


def w(service: str, start: float, end: float | None, kind: str = "maintenance", text: str = "") -> Window:
    return Window(
        service,
        kind,
        NOW + start,
        None if end is None else NOW + end,
        "osg",
        description=text,  # type: ignore[arg-type]
        ext_id=service,
    )


def test_ongoing_first_then_upcoming_within_the_horizon_soonest_first() -> None:
    windows = [
        w("cvmfs", 20 * H, 22 * H, text="stratum-1 kernel"),
        w("dcache", 2 * H, 4 * H),
        w("samweb", -H, H, text="DB upgrade"),
        w("old", -5 * H, -H),
        w("far", 30 * H, 31 * H),
        w("outage", -H, None, kind="outage"),
        w("open", -2 * H, None),
    ]
    got = maintenance_announcements(windows, NOW)
    assert [a.text.split()[0] for a in got] == ["samweb", "open", "dcache", "cvmfs"]
    assert got[0].level == "warning" and got[0].text.startswith("samweb under maintenance now until ")
    assert got[0].text.endswith(": DB upgrade") and got[0].author == "feed osg"
    assert got[1].text == "open under maintenance now"
    assert got[2].level == "info" and "(in 2h00)" in got[2].text
    assert got[3].text.endswith("(in 20h00): stratum-1 kernel")
    assert maintenance_announcements(windows, NOW, horizon=H) == got[:2]


async def test_the_bar_shows_team_messages_then_maintenance(tmp_path: Path) -> None:
    import time

    from opgtui.config import Config
    from opgtui.widgets.header import AnnouncementBar

    store = open_store(tmp_path / "s.db")
    now = time.time()
    store.add_window(
        Window(
            "dcache",
            "maintenance",
            now + 3 * H,
            now + 5 * H,
            "am",
            description="pool upgrade [bold]x[/bold]",
            ext_id="m1",
        )
    )
    store.post_announcement(Announcement("SAM is flaky, hold off on new submissions", "warning", "alice"))
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert "(+1 more: A)" in str(app.screen.query_one(AnnouncementBar).render())  # one line until A
        await pilot.press("A")
        await pilot.pause(0.1)
        text = str(app.screen.query_one(AnnouncementBar).render())
        lines = text.splitlines()
        assert "SAM is flaky" in lines[0]
        assert "dcache maintenance" in lines[1] and "pool upgrade [bold]x[/bold]" in lines[1]  # literal
