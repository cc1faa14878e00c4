"""What the UI thread does between a filter key and its answer (issue 18's key at its worst moment), step by step.

Runs the Jobs view on bench_felt's 100k dump as bench_felt's ``in_app`` does (the same keys of one kind at the same
moments, ``--kind broad|selective|none``, the clock stopped as there: at the end of the frame that draws the answer)
and records every step of the event loop (each task step and callback: which message pump or callback, its wall
and UI-thread CPU time), Textual's frames (``Screen._on_timer_update``: layout, compositor), recompositions,
and marks on the key's path (the key reaching the app, the Input, ``on_input_changed``, the table's rows set).
The bench's own coroutine runs on the same thread, so ``time.thread_time`` there is the UI thread's CPU.

    python bench/felt_trace.py [--tree DIR] [--runs N] [--moments 0,0.3] [--kind K] [--profile] [--profile-frames]
        [--steps] [--n 1000000]

Prints per key: wall to the answer, the UI thread's CPU in that window, and the frames (with the lines each
widget drew and their CPU), recompositions, refreshes that ask for a layout (and who asked) and long steps
(> 1 ms) in it; ``--moments`` may name ``end``: once the background work has ended (bench_felt's last moment);
``--n 1000000``: bench_felt's 1M projected dump (default its 100k full ads); ``--steps`` every step from the
table's appearance to the first key's answer; ``--profile``:
cProfile of the UI thread from '/' to the first key's answer (top functions by cumulative time, ``TOP=N``);
``--profile-frames``: cProfile of every frame after the table appears (``SORT=cumulative``, ``TOP=N``).
``FELT_TRACE_HOOK=FILE``: a file of one's own patches run in the measured process first (its stderr printed),
e.g. a ``gc.callbacks`` logger: the process prints when the table appeared (``perf_counter``) to match times.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _name(callback: Any) -> str:
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        name = owner.get_name()
        coro = owner.get_coro()
        return f"task {name[:60]} {getattr(coro, '__qualname__', '')}"
    return getattr(callback, "__qualname__", repr(callback))[:80]


async def traced(path: Path, n: int, moments: list[float], profile: bool, kind: str = "broad") -> dict[str, Any]:
    import cProfile
    import pstats

    from textual.screen import Screen
    from textual.widget import Widget
    from textual.widgets import Input

    sys.path.insert(0, str(HERE))
    from bench_felt import (  # type: ignore[import-not-found]
        KEYS,
        MOMENTS,
        NOTHING,
        SELECTIVE,
        SETTLE,
        _background_ended,
        _Clock,
        _key,
        _key_name,
        _paste,
        _watch_background,
        _watch_frames,
        _watch_imported,
    )

    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.screens.jobs import JobsScreen
    from opgtui.store import open_store
    from opgtui.widgets.job_table import JobTable

    log: list[tuple[float, float, float, str]] = []  # (start, wall, cpu, what)
    on = [False]
    pc, tt = time.perf_counter, time.thread_time

    def mark(what: str) -> None:
        if on[0]:
            log.append((pc(), 0.0, tt(), "MARK " + what))

    handle_run = asyncio.events.Handle._run

    def run(self: Any) -> None:
        if not on[0]:
            return handle_run(self)
        t, c = pc(), tt()
        try:
            return handle_run(self)
        finally:
            log.append((t, pc() - t, tt() - c, "step " + _name(self._callback)))

    asyncio.events.Handle._run = run  # type: ignore[method-assign]

    def wrap(cls: Any, attr: str, label: str) -> None:
        fn = getattr(cls, attr)
        if asyncio.iscoroutinefunction(fn):

            async def awrapped(self: Any, *a: Any, **k: Any) -> Any:
                t, c = pc(), tt()
                try:
                    return await fn(self, *a, **k)
                finally:
                    if on[0]:
                        log.append((t, pc() - t, tt() - c, f"{label} {type(self).__name__}"))

            setattr(cls, attr, awrapped)
        else:

            def wrapped(self: Any, *a: Any, **k: Any) -> Any:
                t, c = pc(), tt()
                try:
                    return fn(self, *a, **k)
                finally:
                    if on[0]:
                        log.append((t, pc() - t, tt() - c, f"{label} {type(self).__name__}"))

            setattr(cls, attr, wrapped)

    frames_prof = cProfile.Profile() if "--profile-frames" in sys.argv else None
    if frames_prof is not None:
        timer_update = Screen._on_timer_update

        def profiled(self: Any) -> Any:
            if not on[0]:
                return timer_update(self)
            frames_prof.enable()
            try:
                return timer_update(self)
            finally:
                frames_prof.disable()

        Screen._on_timer_update = profiled  # type: ignore[method-assign]
    render_lines = Widget.render_lines

    def counted(self: Any, crop: Any) -> Any:
        t, c = pc(), tt()
        try:
            return render_lines(self, crop)
        finally:
            if on[0]:
                log.append((t, pc() - t, tt() - c, f"  lines {crop.height:2d} {self!r:.40}"))

    Widget.render_lines = counted  # type: ignore[method-assign]
    wrap(Screen, "_on_timer_update", "FRAME")
    wrap(Screen, "_refresh_layout", "  layout")
    wrap(Screen, "_compositor_refresh", "  compositor")
    wrap(Widget, "recompose", "RECOMPOSE")
    wrap(Widget, "_compose", "  compose")
    wrap(JobsScreen, "on_input_changed", "KEY on_input_changed")
    wrap(JobsScreen, "_show", "KEY _show")
    wrap(JobsScreen, "action_filter", "SLASH action_filter")
    wrap(Input, "_on_key", "KEY Input._on_key")
    on_event = OpgApp.on_event

    async def app_event(self: Any, event: Any) -> None:
        from textual import events

        if isinstance(event, events.Key):
            mark(f"app.on_event key {event.key}")
        await on_event(self, event)

    OpgApp.on_event = app_event  # type: ignore[method-assign]
    refresh = Widget.refresh

    def widget_refresh(self: Any, *regions: Any, **k: Any) -> Any:
        if k.get("layout") or k.get("recompose"):
            import traceback

            where = " < ".join(f"{f.name}:{f.lineno}" for f in traceback.extract_stack(limit=5)[:-1][::-1])
            mark(f"refresh({'layout' if k.get('layout') else 'recompose'}) {self!r:.50} from {where}")
        return refresh(self, *regions, **k)

    Widget.refresh = widget_refresh  # type: ignore[method-assign]

    ends: dict[str, float] = {}
    _watch_background(ends)
    scratch = Path(tempfile.mkdtemp(prefix="felt-trace-"))
    atexit.register(shutil.rmtree, scratch, True)  # the scratch store left behind by no run
    cfg = Config(store=scratch / "dump.db")
    store = open_store(cfg.store)
    started = pc()
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    out: dict[str, Any] = {"keys": [], "cpu": [], "windows": []}
    prof = cProfile.Profile() if profile else None
    async with app.run_test(size=(120, 40)):
        screen = None
        while pc() - started < 300:
            await asyncio.sleep(0.005)
            screen = app.screen
            if getattr(screen, "loaded_at", None) is not None and len(getattr(screen, "rows", ())) == n:
                break
        out["listed"] = pc() - started
        appeared = pc()
        on[0] = True
        log.append((appeared, 0.0, tt(), "MARK table appeared"))
        print(f"table appeared at {appeared:.3f}", file=sys.stderr)
        table = screen.query_one(JobTable)
        if prof is not None:
            prof.enable()
        _key(app, "slash", "/")
        while not screen.query_one("#filter").has_focus:
            await asyncio.sleep(0.002)
        mark("filter has focus")
        clock = _Clock(lines=max(1, table.size.height - 1))
        _watch_frames(app, screen, table, clock)
        watch = asyncio.create_task(_watch_imported(app, ends))
        queries = {"broad": KEYS, "selective": SELECTIVE, "none": NOTHING}[kind]
        for i, (moment, key) in enumerate(zip((*MOMENTS, None), queries, strict=False)):
            if moment is None:  # 'end' (-1): once the background work has ended, as bench_felt's last moment
                if -1.0 not in moments:
                    continue
                while not _background_ended(app, ends) and pc() - appeared < SETTLE:
                    await asyncio.sleep(0.05)
                out["ends"] = {k: round(v - appeared, 2) for k, v in ends.items()}
                mark("background ended")
            while moment is not None and pc() - appeared < moment:
                await asyncio.sleep(0.01)
            if moment is not None and moment not in moments:
                continue
            clock.query, clock.before, clock.set_at, clock.shown_at = key, table.indices, None, None
            clock.done.clear()
            t0, c0 = pc(), tt()
            clock.t0 = t0
            log.append((t0, 0.0, c0, f"MARK key {key!r} posted"))
            if kind == "selective":
                _paste(app, key)
            else:
                _key(app, _key_name(key), key)
            with suppress(TimeoutError):
                await asyncio.wait_for(clock.done.wait(), 120)
            t1, c1 = clock.shown_at or pc(), tt()
            if clock.set_at is not None:
                log.append((clock.set_at, 0.0, c1, f"MARK key {key!r} answer set in the table"))
            log.append((t1, 0.0, c1, f"MARK key {key!r} answered (its frame drawn)"))
            if i == 0 and prof is not None:
                prof.disable()
            out["keys"].append(t1 - t0)
            out["cpu"].append(c1 - c0)
            out["windows"].append((t0, t1))
            screen.query_one("#filter").value = ""
            while screen.query_text or getattr(screen, "filtering", False):
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)
        on[0] = False
        watch.cancel()
    store.close()
    out["log"] = [(t - appeared, w, c, what) for t, w, c, what in log]
    out["windows"] = [(a - appeared, b - appeared) for a, b in out["windows"]]
    out["appeared"] = 0.0
    if frames_prof is not None:
        import io

        s = io.StringIO()
        top = int(os.environ.get("TOP", "40"))
        pstats.Stats(frames_prof, stream=s).sort_stats(os.environ.get("SORT", "tottime")).print_stats(top)
        out["profile"] = s.getvalue()
    if prof is not None:
        import io

        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(int(os.environ.get("TOP", "45")))
        out["profile"] = s.getvalue()
    return out


def report(r: dict[str, Any], steps: bool) -> None:
    log = sorted(r["log"])
    print(
        f"listed {r['listed']:.2f} s" + (f"; background ended (s after the table): {r['ends']}" if "ends" in r else "")
    )
    for (a, b), wall, cpu in zip(r["windows"], r["keys"], r["cpu"], strict=True):
        inside = [e for e in log if a <= e[0] <= b]
        frames = [e for e in inside if e[3].startswith("FRAME")]
        recomp = [e for e in inside if e[3].startswith("RECOMPOSE")]
        print(
            f"key at {a:6.3f} s: answer {wall * 1000:6.1f} ms, UI CPU {cpu * 1000:6.1f} ms; frames "
            f"{len(frames)} ({sum(f[1] for f in frames) * 1000:.1f} ms wall, {sum(f[2] for f in frames) * 1000:.1f} "
            f"CPU); recompose {len(recomp)} ({sum(x[2] for x in recomp) * 1000:.1f} ms CPU)"
        )
        for t, w, c, what in inside:
            if what.startswith(("MARK", "KEY", "FRAME", "RECOMPOSE", "  ")) or w > 0.001:
                print(f"    {(t - a) * 1000:7.1f} {w * 1000:6.1f} ms wall {c * 1000:6.1f} cpu  {what}")
    if steps:
        end = r["windows"][0][1] if r["windows"] else 1.0
        print("every step from the table's appearance to the first key's answer:")
        for t, w, c, what in log:
            if t <= end and (w > 0.0005 or what.startswith("MARK")):
                print(f"    {t * 1000:7.1f} {w * 1000:6.1f} ms wall {c * 1000:6.1f} cpu  {what}")
    if "profile" in r:
        print(r["profile"])


def main() -> None:
    if "--child" in sys.argv:
        if "--tree" in sys.argv:
            sys.path.insert(0, sys.argv[sys.argv.index("--tree") + 1])
        if os.environ.get("FELT_TRACE_HOOK"):  # a file of patches of one's own (more logging), run first
            import runpy

            runpy.run_path(os.environ["FELT_TRACE_HOOK"])
        i = sys.argv.index("--child")
        moments = [-1.0 if x == "end" else float(x) for x in sys.argv[i + 3].split(",")]
        kind = sys.argv[sys.argv.index("--kind") + 1] if "--kind" in sys.argv else "broad"
        r = asyncio.run(traced(Path(sys.argv[i + 1]), int(sys.argv[i + 2]), moments, "--profile" in sys.argv, kind))
        print("RESULT " + json.dumps(r))
        return
    sys.path.insert(0, str(HERE))
    from bench_felt import dump, installed_env  # type: ignore[import-not-found]

    tree = sys.argv[sys.argv.index("--tree") + 1] if "--tree" in sys.argv else None
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1
    moments = sys.argv[sys.argv.index("--moments") + 1] if "--moments" in sys.argv else "0,0.3,1,2,4,8"
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 100_000
    path = dump(n, projected=n > 100_000)  # bench_felt's dumps: 100k full ads, 1M projected
    env = installed_env({**os.environ, "NO_COLOR": "1"})
    for _ in range(runs):
        load = os.getloadavg()[0]
        argv = [sys.executable, __file__, "--child", str(path), str(n), moments]
        argv += ["--tree", tree] if tree else []
        argv += [a for a in ("--profile", "--profile-frames") if a in sys.argv]
        argv += ["--kind", sys.argv[sys.argv.index("--kind") + 1]] if "--kind" in sys.argv else []
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, cwd=tree or str(HERE.parent))
        lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if not lines:
            print(proc.stderr[-3000:])
            continue
        if os.environ.get("FELT_TRACE_HOOK"):
            print(proc.stderr[-20000:])
        print(f"--- tree {tree or HERE.parent}, load {load:.2f} -> {os.getloadavg()[0]:.2f}")
        report(json.loads(lines[0][7:]), "--steps" in sys.argv)


if __name__ == "__main__":
    main()
