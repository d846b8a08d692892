"""The README's "From feeds, end to end", as a new user runs it: two feeds (listed in
digest.toml, or in an OPML file it names) and one cron line give the day's digest in out/
with an Atom feed and an index page, and a message in a chat channel; the next morning the
unchanged feed answers 304 and no article is read twice.

Real processes (``python -m digest run -q``, as cron starts it) against a feed server and
a webhook receiver on 127.0.0.1 that the test starts; the articles are the shipped sample's
(written for the project) and one more written here.
"""
from __future__ import annotations

import email.utils
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest

from conftest import PROXY_VARIABLES, ROOT, SAMPLE
from digest.config import Config
from digest.ingest import read_file

from loopback import WebhookReceiver, WebServer, rss

REOPENING = ("The Avalen Harbour Bridge will reopen to cars on Monday after engineers replaced the two "
             "cracked steel support beams, the city said on Friday.",
             "City engineer Tomas Brennick said lorries would stay banned from the bridge until a load test "
             "in December.",
             "The Avalen Harbour Bridge was closed to all traffic on Thursday after inspectors found cracks in "
             "two of its steel support beams.")


def entries(outlet_prefix: str, when: datetime, base: str) -> list[dict]:
    """The sample's articles of one outlet as feed entries (full content)."""
    found = []
    for path in sorted(SAMPLE.glob(f"{outlet_prefix}-*")):
        (article,) = read_file(path, Config())
        found.append({"title": article.title, "link": f"{base}/{path.stem}", "guid": path.stem,
                      "published": email.utils.format_datetime(when, usegmt=True),
                      "content": "".join(f"<p>{p}</p>" for p in article.body.split("\n\n") if p.strip())})
    return found


def cron(home: Path, *more: str) -> subprocess.CompletedProcess:
    """The crontab line's command: ``cd /srv/digest && digest run -q``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(home / "xdg-state"), XDG_CONFIG_HOME=str(home / "xdg-config"))
    for name in PROXY_VARIABLES:
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "digest", "run", "-q", *more], cwd=home, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("subscribed", ["feeds list", "OPML file"])
def test_two_feeds_one_cron_line_digest_atom_index_chat_then_304_and_nothing_read_twice(
    tmp_path: Path, subscribed: str
) -> None:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = date.today()
    with WebServer() as web, WebhookReceiver() as chat:
        backlog = {"title": "Harbour Gazette moves to new offices", "link": "https://harbourgazette.example/offices",
                   "guid": "offices", "published": email.utils.format_datetime(now - timedelta(days=10), usegmt=True),
                   "content": "<p>The Harbour Gazette moved to new offices on Quay Street ten days ago, its editor said.</p>"}
        web.route("/gazette.rss", rss("Harbour Gazette", [*entries("harbour-gazette", now - timedelta(hours=3),
                                                                   "https://harbourgazette.example"), backlog]),
                  content_type="application/rss+xml", etag='"g1"')
        wire = entries("northern-wire", now - timedelta(hours=3), "https://northernwire.example")
        web.route("/wire.xml", rss("NW Online", wire), content_type="application/rss+xml",
                  last_modified="Fri, 20 Nov 2026 05:00:00 GMT")
        home = tmp_path / "srv-digest"
        home.mkdir()
        feeds = [web.url("/gazette.rss"), web.url("/wire.xml")]
        if subscribed == "feeds list":
            listing = f'feeds = ["{feeds[0]}", {{url = "{feeds[1]}", outlet = "Northern Wire"}}]\n'
        else:
            (home / "subscriptions.opml").write_text(
                '<?xml version="1.0"?><opml version="2.0"><head><title>My feeds</title></head><body>'
                f'<outline text="News"><outline text="Harbour Gazette" type="rss" xmlUrl="{feeds[0]}"/>'
                f'<outline text="Northern Wire" type="rss" xmlUrl="{feeds[1]}"/></outline></body></opml>')
            listing = 'opml = "subscriptions.opml"\n'
        (home / "digest.toml").write_text(
            listing + 'formats = ["text", "html", "json", "atom"]\nout = "out"\nsince = "2d"\n'
            'site_url = "https://news.example/daily/"\n'
            '[state]\npath = "state/state.sqlite"\n'
            f'[notify]\nurls = ["{chat.base.replace("http://", "json://")}/digest"]\n')

        # --- the first morning
        first = cron(home)
        assert first.returncode == 0 and first.stderr == "", first.stderr
        out = home / "out"
        day1 = today.isoformat()
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [f"digest-{day1}.{e}" for e in ("txt", "html", "json")] + ["digest.atom", "index.html"])
        digest1 = json.loads((out / f"digest-{day1}.json").read_text())
        assert digest1["stats"]["articles"] == 6  # the feed's ten-day-old entry is backlog (since = "2d")
        outlets = {s["outlet"] for sec in digest1["sections"] for i in sec["items"] for s in i["sources"]}
        assert outlets == {"Harbour Gazette", "Northern Wire"}
        feed = feedparser.parse((out / "digest.atom").read_bytes())
        assert not feed.bozo and [e.link for e in feed.entries] == [f"https://news.example/daily/digest-{day1}.html"]
        assert f'href="digest-{day1}.html"' in (out / "index.html").read_text()
        (post,) = chat.posts
        assert post["body"]["title"] == f"News digest — {day1}"
        assert digest1["sections"][0]["title"] in post["body"]["message"]
        assert f"https://news.example/daily/digest-{day1}.html" in post["body"]["message"]
        assert [s.status for s in web.requests] == [200, 200]

        # --- the next morning: the Gazette's feed is unchanged, the Wire's has one new entry
        web.routes["/wire.xml"].body = rss("NW Online", [{
            "title": "Harbour bridge to reopen on Monday", "link": "https://northernwire.example/bridge-reopens",
            "guid": "northern-wire-bridge-reopens", "published": email.utils.format_datetime(now, usegmt=True),
            "content": "".join(f"<p>{p}</p>" for p in REOPENING)}, *wire])
        web.routes["/wire.xml"].last_modified = "Sat, 21 Nov 2026 05:00:00 GMT"
        day2 = (today + timedelta(days=1)).isoformat()
        second = cron(home, "--date", day2)  # the same line, run the next day
        assert second.returncode == 0 and second.stderr == "", second.stderr

        gazette = [s for s in web.requests if s.path == "/gazette.rss"]
        assert [s.status for s in gazette] == [200, 304]
        assert gazette[1].headers["If-None-Match"] == '"g1"'
        wire_seen = [s for s in web.requests if s.path == "/wire.xml"]
        assert wire_seen[1].headers["If-Modified-Since"] == "Fri, 20 Nov 2026 05:00:00 GMT"
        assert [s.status for s in wire_seen] == [200, 200]

        digest2 = json.loads((out / f"digest-{day2}.json").read_text())
        assert digest2["stats"]["articles"] == 1  # only the new entry: nothing read twice
        read1 = {a["url"] for sec in digest1["sections"] for a in sec["articles"]}
        read2 = {a["url"] for sec in digest2["sections"] for a in sec["articles"]}
        assert read2 == {"https://northernwire.example/bridge-reopens"} and not read1 & read2
        texts = [i["text"] for sec in digest2["sections"] for i in sec["items"]]
        assert REOPENING[0] in texts and REOPENING[2] not in texts  # yesterday's statement is not news again
        (bridge,) = digest2["sections"]
        assert bridge["continues"]["date"] == day1  # and the story says where it left off
        assert bridge["continues"]["url"].startswith(f"digest-{day1}.html#story-")

        assert [e.link.rsplit("/", 1)[1] for e in feedparser.parse((out / "digest.atom").read_bytes()).entries] == [
            f"digest-{day2}.html", f"digest-{day1}.html"]
        index = (out / "index.html").read_text()
        assert index.index(f"digest-{day2}.html") < index.index(f"digest-{day1}.html")
        assert f'rel="next" href="digest-{day2}.html"' in (out / f"digest-{day1}.html").read_text()
        assert len(chat.posts) == 2 and "Harbour bridge to reopen on Monday" in chat.posts[1]["body"]["message"]

        listed = subprocess.run([sys.executable, "-m", "digest", "feeds", "list"], cwd=home, capture_output=True,
                                text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2
        assert all(": ok, last fetched " in line for line in listed.stdout.splitlines())
