"""Online sources: what slow and silent servers cost a run, and what an unchanged day of feeds costs.

Everything runs against servers on 127.0.0.1 that this script starts (tests/loopback.py):

- issue 16 cause 2: a server that sends its status line, its headers or its body one byte
  a second, and ten summary-only feed entries whose pages are on a host that never
  answers, each a whole ``digest run`` over the 10-file sample with the default
  ``fetch_timeout`` (10 s), timed end to end;
- subscriptions: ``--feeds`` feeds of ``--entries`` entries each read twice through
  ``feeds.read_feeds`` with a state: the first day (all 200s) and the next (all 304s),
  requests, bytes and wall time.

Command: ``PYTHONPATH=.:tests python benchmarks/feeds.py --write BENCHMARKS.md``
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from loopback import SlowServer, WebServer, rss  # noqa: E402

from benchmarks.report import write_section  # noqa: E402


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_") and "proxy" not in k.lower()}
    return {**env, "PYTHONPATH": str(ROOT)}


def timed_run(work: Path, *args: str) -> tuple[float, int, list[str]]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "digest", "run", *args, "--no-state", "--out", str(work / "out"),
                           "--date", "2026-11-20", "--format", "json"], env=_env(), capture_output=True, text=True,
                          timeout=600)
    return time.monotonic() - started, done.returncode, done.stderr.splitlines()


def slow_servers(work: Path, repeat: int) -> list[tuple[str, float, int, str]]:
    news = work / "news"
    shutil.copytree(ROOT / "input", news)
    rows = []
    times = [timed_run(work, str(news))[0] for _ in range(repeat)]
    rows.append(("none (the sample alone, for comparison)", statistics.median(times), 0, ""))
    for where, fast in (("status line", 0), ("headers", SlowServer.headers_offset()),
                        ("body", SlowServer.body_offset())):
        times = []
        for _ in range(repeat):
            with SlowServer(fast_until=fast, interval=1.0) as drip:
                seconds, code, err = timed_run(work, str(news), drip.url("/drip"), "--fetch")
            times.append(seconds)
        rows.append((f"a URL sending its {where} one byte a second", statistics.median(times), code,
                     err[-1] if err else ""))
    times = []
    for _ in range(repeat):
        with SlowServer(silent=True) as silent:
            (news / "silent.rss").write_bytes(rss("Silent Times", [
                {"title": f"Entry {n}", "link": silent.url(f"/e{n}"), "guid": f"e{n}",
                 "summary": "A summary of a story whose page never answers."} for n in range(10)]))
            seconds, code, err = timed_run(work, str(news), "--fetch")
            asked = silent.connections
        times.append(seconds)
    (news / "silent.rss").unlink()
    rows.append((f"10 summary-only entries on a silent host ({asked} requests made)", statistics.median(times), code,
                 f"{len(err)} warnings, one per entry"))
    return rows


def unchanged_day(work: Path, feeds: int, entries: int) -> list[tuple[str, str]]:
    from digest.feeds import Subscription, read_feeds
    from digest.fetch import Fetcher
    from digest.models import RunExtras
    from digest.store import Store

    text = " ".join(["The harbour authority said the new crossing would open in the spring."] * 6)
    day = date(2026, 11, 20)
    now = datetime(2026, 11, 20, 7, tzinfo=timezone.utc)
    rows = []
    with WebServer() as web:
        for f in range(feeds):
            web.route(f"/feed-{f}.xml", rss(f"Outlet {f}", [
                {"title": f"Story {f}-{e}", "link": f"https://outlet{f}.example/{e}", "guid": f"{f}-{e}",
                 "published": "Fri, 20 Nov 2026 05:00:00 GMT", "content": f"<p>{text} Item {f}-{e}.</p>"}
                for e in range(entries)]), content_type="application/rss+xml", etag=f'"v{f}"')
        subs = [Subscription(web.url(f"/feed-{f}.xml")) for f in range(feeds)]
        with Store.open(work / "state.sqlite") as store:
            for label, when in (("first day (every feed new)", day), ("next day (nothing changed)",
                                                                      day + timedelta(days=1))):
                before = len(web.requests)
                started = time.monotonic()
                batch = read_feeds(subs, when, Fetcher(timeout=10, budget=120), store, now)
                store.record(when, [], [], extras=RunExtras(feeds=batch.states, entries=batch.entries))
                seconds = time.monotonic() - started
                seen = web.requests[before:]
                statuses = sorted({s.status for s in seen})
                sent = sum(len(web.routes[s.path].body) for s in seen if s.status == 200)
                rows.append((label, f"{len(seen)} requests (HTTP {', '.join(map(str, statuses))}), "
                                    f"{sent / 1e6:.2f} MB of feeds, {len(batch.articles)} articles, {seconds:.2f} s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--write", type=Path, help="refresh the section in this Markdown file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="digest-feeds-bench-"))
    try:
        slow = slow_servers(work, args.repeat)
        day = unchanged_day(work, args.feeds, args.entries)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "## Online sources: slow servers and unchanged feeds (issue 16 cause 2, issue 17)",
        "",
        f"Command: `PYTHONPATH=.:tests python benchmarks/feeds.py --repeat {args.repeat} --feeds {args.feeds} "
        f"--entries {args.entries} --write BENCHMARKS.md` (servers on 127.0.0.1 started by the script; 2-core "
        "machine shared with other work)",
        "",
        "Whole `digest run` over the 10-file sample plus one slow source, default `fetch_timeout = 10`, "
        f"median of {args.repeat} runs (before the one fetcher: 122 s for a byte-a-second body, 102 s for the "
        "ten entries):",
        "",
        "| source | run, wall seconds | exit | what the run said |",
        "| --- | --- | --- | --- |",
        *(f"| {what} | {seconds:.1f} | {code} | {said.replace('|', '/')[:90]} |" for what, seconds, code, said in slow),
        "",
        f"{args.feeds} subscribed feeds of {args.entries} entries each, read with a state (`feeds.read_feeds`):",
        "",
        "| day | cost |",
        "| --- | --- |",
        *(f"| {label} | {cost} |" for label, cost in day),
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(args.write, "feeds", text)


if __name__ == "__main__":
    main()
