"""Subscriptions: feeds in digest.toml and OPML, conditional GET, entries read once across
days, back-off and failing feeds, `digest feeds import/export/list`.

Feeds are served by a server on 127.0.0.1 the test starts (tests/loopback.py); their
articles are the shipped sample's (written for the project) or written here.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from digest.cli import main
from digest.config import Config, FeedConfig, load_config
from digest.errors import ConfigError, InputDataError
from digest.feeds import (
    FAILING_DAYS,
    Subscription,
    backoff,
    import_opml,
    listing,
    parse_opml,
    read_feeds,
    subscriptions,
)
from digest.fetch import Fetcher
from digest.store import SCHEMA, SCHEMA_VERSION, Store

from loopback import WebServer, rss

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
LONG = ("The river authority opened the new flood gates at Marrow Bend on Thursday morning, "
        "two weeks ahead of the winter storm season. ")


pytestmark = pytest.mark.usefixtures("no_proxy")


def entry(n: int, day: str = "Fri, 20 Nov 2026 06:00:00 GMT", **extra) -> dict:
    return {"title": f"Flood gates story {n}", "link": f"https://riverside.example/story-{n}", "guid": f"story-{n}",
            "published": day, "content": f"<p>{LONG}Entry number {n} adds its own detail.</p>", **extra}


def store_at(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "state.sqlite")


def fetcher() -> Fetcher:
    return Fetcher(timeout=2.0, budget=20.0)


def subs(web: WebServer, *paths: str) -> list[Subscription]:
    return [Subscription(web.url(p)) for p in paths]


def record(store: Store, day: date, batch) -> None:
    """What a run does after writing its digest: record the batch with the day."""
    from digest.models import RunExtras

    store.record(day, [], [], extras=RunExtras(feeds=batch.states, entries=batch.entries))


# --- configuration ---------------------------------------------------------------------------


def test_feeds_in_digest_toml_with_or_without_an_outlet(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text(
        'feeds = ["https://riverside.example/feed.xml", {url = "https://hill.example/rss", outlet = "Hill Times"}]\n')
    config = load_config(tmp_path / "digest.toml")
    assert config.feeds == (FeedConfig("https://riverside.example/feed.xml"),
                            FeedConfig("https://hill.example/rss", "Hill Times"))
    assert [(s.url, s.outlet) for s in subscriptions(config)] == [
        ("https://riverside.example/feed.xml", None), ("https://hill.example/rss", "Hill Times")]
    env = load_config(tmp_path / "digest.toml", environ={"DIGEST_FEEDS": "https://a.example/x, https://b.example/y"})
    assert [f.url for f in env.feeds] == ["https://a.example/x", "https://b.example/y"]


@pytest.mark.parametrize(("line", "message"), [
    ('feeds = [{outlet = "No URL"}]', "feeds: a feed needs its url"),
    ('feeds = [{url = "https://a.example/x", colour = "red"}]', "unknown configuration key 'feeds.colour'"),
    ("feeds = [3]", "feeds: expected a feed URL or a table"),
])
def test_a_bad_feed_entry_is_a_config_error(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "digest.toml").write_text(line + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "digest.toml")


def test_a_feed_that_is_not_an_http_url_is_a_config_error_exit_78(tmp_path: Path, capsys) -> None:
    (tmp_path / "digest.toml").write_text('feeds = ["http://[::1/broken", "file:///etc/passwd"]\n')
    assert main(["run", "--config", str(tmp_path / "digest.toml"), "--no-state"]) == 78
    assert capsys.readouterr().err == (
        "digest: error: feeds: http://[::1/broken: not a valid URL (Invalid IPv6 URL)\n")


# --- OPML ------------------------------------------------------------------------------------

OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>Reader export</title></head><body>
<outline text="Local news">
  <outline text="Riverside Herald" type="rss" xmlUrl="https://riverside.example/feed.xml" htmlUrl="https://riverside.example/"/>
  <outline text="Hill Times" type="rss" xmlUrl="https://hill.example/rss"/>
  <outline text="Broken" type="rss" xmlUrl="javascript:alert(1)"/>
  <outline text="Shared list" type="link" url="https://lists.example/more.opml"/>
</outline></body></opml>"""


def test_opml_keeps_what_it_parses_and_reports_what_it_cannot() -> None:
    opml = parse_opml(OPML, "reader.opml")
    assert [(s.url, s.outlet) for s in opml.feeds] == [
        ("https://riverside.example/feed.xml", "Riverside Herald"), ("https://hill.example/rss", "Hill Times")]
    assert opml.problems == (
        "Broken: javascript:alert(1): not an http(s) URL",
        "Shared list: a link to another subscription list (https://lists.example/more.opml), not followed",
    )


@pytest.mark.parametrize("data", [b"", b"<html><body>not a list</body></html>", b"\x00\x01\x02 binary"])
def test_a_file_that_is_no_opml_list_is_refused(data: bytes) -> None:
    with pytest.raises(InputDataError, match="reader.opml: not an OPML subscription list"):
        parse_opml(data, "reader.opml")


def test_import_export_and_list_from_the_command_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "reader.opml").write_bytes(OPML)
    (tmp_path / "digest.toml").write_text(
        f'opml = "{tmp_path / "subs.opml"}"\nfeeds = ["https://hill.example/rss"]\n'
        f'[state]\npath = "{tmp_path / "state.sqlite"}"\n')
    config = ["--config", str(tmp_path / "digest.toml")]
    assert main(["feeds", "import", str(tmp_path / "reader.opml"), *config]) == 0
    out, err = capsys.readouterr()
    assert out == f"imported 1 feeds into {tmp_path / 'subs.opml'} (1 already subscribed)\n"
    assert err.splitlines() == [
        f"digest: warning: {tmp_path / 'reader.opml'}: Broken: javascript:alert(1): not an http(s) URL",
        f"digest: warning: {tmp_path / 'reader.opml'}: Shared list: a link to another subscription list "
        "(https://lists.example/more.opml), not followed",
    ]
    assert main(["feeds", "import", str(tmp_path / "reader.opml"), *config]) == 0  # again: nothing new
    assert capsys.readouterr().out.startswith("imported 0 feeds")

    assert main(["feeds", "export", *config]) == 0
    exported = capsys.readouterr().out.encode()
    assert [(s.url, s.outlet) for s in parse_opml(exported, "export").feeds] == [
        ("https://hill.example/rss", None), ("https://riverside.example/feed.xml", "Riverside Herald")]

    assert main(["feeds", "list", *config]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "https://hill.example/rss: not fetched yet",
        "https://riverside.example/feed.xml (Riverside Herald): not fetched yet",
    ]
    assert not (tmp_path / "state.sqlite").exists()  # listing creates no state


def test_importing_a_missing_or_broken_file_is_one_line_exit_65(tmp_path: Path, capsys) -> None:
    (tmp_path / "junk.opml").write_text("<html>no</html>")
    assert main(["feeds", "import", str(tmp_path / "missing.opml")]) == 65
    assert main(["feeds", "import", str(tmp_path / "junk.opml")]) == 65
    assert capsys.readouterr().err.splitlines() == [
        f"digest: error: {tmp_path / 'missing.opml'}: no such file",
        f"digest: error: {tmp_path / 'junk.opml'}: not an OPML subscription list",
    ]


def test_the_default_opml_file_is_read_when_it_exists(tmp_path: Path, monkeypatch) -> None:
    config = Config()
    assert subscriptions(config) == []
    (tmp_path / "reader.opml").write_bytes(OPML)
    done = import_opml(tmp_path / "reader.opml", config)  # into $XDG_CONFIG_HOME/digest/feeds.opml
    assert done.target.parent.name == "digest" and done.target.name == "feeds.opml"
    assert [s.url for s in subscriptions(Config())] == [
        "https://riverside.example/feed.xml", "https://hill.example/rss"]


# --- polite fetching with memory ---------------------------------------------------------------


def test_an_unchanged_feed_costs_one_304_and_no_entry_is_read_twice(web: WebServer, tmp_path: Path) -> None:
    web.route("/feed.xml", rss("Riverside Herald", [entry(1), entry(2)]), content_type="application/rss+xml",
              etag='"a"')
    feeds = subs(web, "/feed.xml")
    with store_at(tmp_path) as store:
        first = read_feeds(feeds, DAY, fetcher(), store, NOW)
        assert [a.title for a in first.articles] == ["Flood gates story 1", "Flood gates story 2"]
        assert all(a.outlet == "Riverside Herald" and a.path == web.url("/feed.xml") for a in first.articles)
        record(store, DAY, first)

        rerun = read_feeds(feeds, DAY, fetcher(), store, NOW + timedelta(hours=1))  # the same date again
        assert web.statuses("/feed.xml") == [200, 304]
        assert rerun.articles == first.articles and rerun.unchanged == 1  # read again, from the store

        tomorrow = read_feeds(feeds, DAY + timedelta(days=1), fetcher(), store, NOW + timedelta(days=1))
        assert web.statuses("/feed.xml") == [200, 304, 304]
        assert tomorrow.articles == ()

        # The feed changes: a new entry on top, the old ones kept for a week, as feeds do.
        web.route("/feed.xml", rss("Riverside Herald", [entry(3), entry(1), entry(2)]),
                  content_type="application/rss+xml", etag='"b"')
        changed = read_feeds(feeds, DAY + timedelta(days=1), fetcher(), store, NOW + timedelta(days=1))
        assert [a.title for a in changed.articles] == ["Flood gates story 3"]
        record(store, DAY + timedelta(days=1), changed)
        (state,) = store.feed_states().values()
        assert state.etag == '"b"' and state.failures == 0
    assert web.requests[1].headers["If-None-Match"] == '"a"'


def test_an_entry_without_id_is_known_by_its_link_or_its_text(web: WebServer, tmp_path: Path) -> None:
    no_guid = {k: v for k, v in entry(1).items() if k != "guid"}
    no_link = {k: v for k, v in entry(2).items() if k not in ("guid", "link")}
    web.route("/feed.xml", rss("Riverside Herald", [no_guid, no_link]), content_type="application/rss+xml")
    with store_at(tmp_path) as store:
        first = read_feeds(subs(web, "/feed.xml"), DAY, fetcher(), store, NOW)
        record(store, DAY, first)
        assert sorted(e.key for e in first.entries)[0] == "https://riverside.example/story-1"
        assert sorted(e.key for e in first.entries)[1].startswith("sha1:")
        later = read_feeds(subs(web, "/feed.xml"), DAY + timedelta(days=1), fetcher(), store, NOW)
    assert later.articles == ()  # no validators: a full 200, and still nothing read twice


def test_an_entry_dated_after_the_digest_waits_for_its_day(web: WebServer, tmp_path: Path) -> None:
    web.route("/feed.xml", rss("Riverside Herald", [entry(1), entry(2, day="Sat, 21 Nov 2026 09:00:00 GMT")]),
              content_type="application/rss+xml", etag='"a"')
    feeds = subs(web, "/feed.xml")
    with store_at(tmp_path) as store:
        first = read_feeds(feeds, DAY, fetcher(), store, NOW)
        assert [a.title for a in first.articles] == ["Flood gates story 1"]
        record(store, DAY, first)
        assert store.feed_states()[web.url("/feed.xml")].etag is None  # so the next run gets the whole feed
        nextday = read_feeds(feeds, DAY + timedelta(days=1), fetcher(), store, NOW + timedelta(days=1))
    assert [a.title for a in nextday.articles] == ["Flood gates story 2"]
    assert web.statuses("/feed.xml") == [200, 200]


def test_summary_only_entries_are_completed_from_their_pages_once(web: WebServer, tmp_path: Path) -> None:
    page = (f"<html><head><title>Flood gates open early</title></head><body><article><h1>Flood gates open early</h1>"
            f"<p>{LONG}</p><p>Engineers said the gates can hold back a river two metres above its usual level.</p>"
            f"<p>The authority will test them again in January before the spring thaw.</p></article></body></html>")
    web.route("/story-1", page)
    web.route("/feed.xml", rss("Riverside Herald", [{"title": "Flood gates open early", "link": web.url("/story-1"),
                                                    "guid": "s1", "summary": "The gates opened early."}]),
              content_type="application/rss+xml")
    with store_at(tmp_path) as store:
        first = read_feeds(subs(web, "/feed.xml"), DAY, fetcher(), store, NOW)
        record(store, DAY, first)
        (article,) = first.articles
        assert "two metres above its usual level" in article.body and not article.summary_only
        rerun = read_feeds(subs(web, "/feed.xml"), DAY, fetcher(), store, NOW)
    assert rerun.articles == first.articles
    assert web.paths().count("/story-1") == 1  # the page was read once; the rerun read the store


def test_a_failing_feed_backs_off_is_named_after_days_and_never_stops_the_run(
    web: WebServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    web.route("/good.xml", rss("Riverside Herald", [entry(1)]), content_type="application/rss+xml")
    web.route("/bad.xml", "server trouble", status=500)
    feeds = subs(web, "/good.xml", "/bad.xml")
    bad = web.url("/bad.xml")
    with store_at(tmp_path) as store, caplog.at_level(logging.WARNING, logger="digest"):
        batch = read_feeds(feeds, DAY, fetcher(), store, NOW)
        assert [a.title for a in batch.articles] == ["Flood gates story 1"]
        assert caplog.messages == [f"feed {bad}: HTTP 500 Internal Server Error; next try after 2026-11-20T07:30:00+00:00"]
        assert store.feed_states()[bad].failures == 1  # saved at once, whatever becomes of the run

        caplog.clear()
        read_feeds(feeds, DAY, fetcher(), store, NOW + timedelta(minutes=10))  # in back-off: not asked
        assert web.paths().count("/bad.xml") == 1
        assert caplog.messages == [f"feed {bad} not fetched until 2026-11-20T07:30:00+00:00 (back-off after 1 "
                                   "failures; last: HTTP 500 Internal Server Error)"]
        for days in range(1, FAILING_DAYS):  # a daily run tries again every day
            caplog.clear()
            read_feeds(feeds, DAY + timedelta(days=days), fetcher(), store, NOW + timedelta(days=days))
        assert caplog.messages == [
            f"feed {bad} has failed for 3 days in a row (since 2026-11-20, 3 failures): HTTP 500 Internal Server "
            "Error; next try after 2026-11-22T09:00:00+00:00"]
        states = store.feed_states()
    (good, failing) = listing(feeds, states, NOW + timedelta(days=2))
    assert not good.failing and failing.failing and failing.failing_days == 3
    assert failing.line() == (f"{bad}: FAILING for 3 days (since 2026-11-20T07:00:00+00:00, 3 in a row; last: "
                              "HTTP 500 Internal Server Error); next try after 2026-11-22T09:00:00+00:00")

    web.route("/bad.xml", rss("Hill Times", [entry(9)]), content_type="application/rss+xml")  # mended
    with store_at(tmp_path) as store:
        read_feeds(feeds, DAY + timedelta(days=3), fetcher(), store, NOW + timedelta(days=3))
        assert store.feed_states()[bad].failures == 0


def test_backoff_doubles_and_is_capped_below_a_day() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert backoff(10) == backoff(1000) == timedelta(hours=23)


def test_retry_after_puts_a_feed_off_longer(web: WebServer, tmp_path: Path) -> None:
    web.route("/busy.xml", "slow down", status=429, headers={"Retry-After": "7200"})
    with store_at(tmp_path) as store:
        read_feeds(subs(web, "/busy.xml"), DAY, fetcher(), store, NOW)
        assert store.feed_states()[web.url("/busy.xml")].next_try == "2026-11-20T09:00:00+00:00"


def test_a_huge_retry_after_puts_a_feed_off_a_week_at_most(web: WebServer, tmp_path: Path) -> None:
    web.route("/busy.xml", "slow down", status=429, headers={"Retry-After": "99999999999999999999"})
    with store_at(tmp_path) as store:
        batch = read_feeds(subs(web, "/busy.xml"), DAY, fetcher(), store, NOW)
        assert batch.failed == 1
        assert store.feed_states()[web.url("/busy.xml")].next_try == (NOW + timedelta(days=7)).isoformat()


def test_a_feed_that_is_not_a_feed_is_a_failure_naming_it(web: WebServer, tmp_path: Path, caplog) -> None:
    web.route("/page.html", "<html><body><p>Just a page.</p></body></html>")
    with store_at(tmp_path) as store, caplog.at_level(logging.WARNING, logger="digest"):
        batch = read_feeds(subs(web, "/page.html"), DAY, fetcher(), store, NOW)
    assert batch.articles == () and batch.failed == 1
    assert caplog.messages[0].startswith(f"feed {web.url('/page.html')}: not an RSS or Atom feed")


def test_without_a_state_every_entry_is_read(web: WebServer) -> None:
    web.route("/feed.xml", rss("Riverside Herald", [entry(1)]), content_type="application/rss+xml", etag='"a"')
    for _ in range(2):
        batch = read_feeds(subs(web, "/feed.xml"), DAY, fetcher(), None, NOW)
        assert [a.title for a in batch.articles] == ["Flood gates story 1"] and batch.entries == ()
    assert web.statuses("/feed.xml") == [200, 200]


def test_an_outlet_named_in_the_subscription_is_the_articles_outlet(web: WebServer) -> None:
    web.route("/feed.xml", rss("RH Online — all stories", [entry(1)]), content_type="application/rss+xml")
    batch = read_feeds([Subscription(web.url("/feed.xml"), "Riverside Herald")], DAY, fetcher(), None, NOW)
    assert [a.outlet for a in batch.articles] == ["Riverside Herald"]


# --- the state's schema -------------------------------------------------------------------------


def test_a_schema_1_state_is_migrated_and_keeps_its_memory(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    for statement in filter(str.strip, SCHEMA.split(";")):
        db.execute(statement)
    db.execute("INSERT INTO facts VALUES ('2026-11-19', 'fp', 'The bridge closed.', 'bridg close', '', '')")
    db.execute("INSERT INTO runs VALUES ('2026-11-19', '2026-11-19T07:00:00+00:00', '[]')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store.open(path) as store:
        assert [p.text for p in store.history(DAY).published] == ["The bridge closed."]
        assert store.feed_states() == {} and store.dates() == ["2026-11-19"]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    assert {"feeds", "entries", "stories", "notified"} <= {
        r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_hand_damaged_feed_row_is_exit_65(tmp_path: Path, web: WebServer, capsys) -> None:
    with store_at(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / "state.sqlite")
    db.execute("INSERT INTO feeds (url, failures) VALUES (?, 'many')", (web.url("/feed.xml"),))
    db.commit()
    db.close()
    (tmp_path / "digest.toml").write_text(f'feeds = ["{web.url("/feed.xml")}"]\n'
                                          f'[state]\npath = "{tmp_path / "state.sqlite"}"\n')
    assert main(["feeds", "list", "--config", str(tmp_path / "digest.toml")]) == 65
    assert "a feeds row holds failures that are not a number" in capsys.readouterr().err


# --- a run with feeds -------------------------------------------------------------------------


def test_a_run_with_configured_feeds_needs_no_inputs_and_no_fetch_flag(web: WebServer, tmp_path: Path, capsys) -> None:
    from conftest import SAMPLE

    from loopback import sample_feeds

    feeds = sample_feeds(SAMPLE, "https://sample.example")
    for path, body in feeds.items():
        web.route(path, body, content_type="application/rss+xml", etag=f'"{path}"')
    (tmp_path / "digest.toml").write_text(
        "feeds = [" + ", ".join(f'"{web.url(p)}"' for p in feeds) + "]\n"
        f'out = "{tmp_path / "out"}"\nformats = ["json"]\n[state]\npath = "{tmp_path / "state.sqlite"}"\n')
    args = ["run", "--config", str(tmp_path / "digest.toml"), "--date", "2026-11-20"]
    assert main(args) == 0, capsys.readouterr().err
    digest = json.loads((tmp_path / "out" / "digest-2026-11-20.json").read_text())
    assert digest["stats"]["articles"] == 10 and digest["sections"]
    first = (tmp_path / "out" / "digest-2026-11-20.json").read_bytes()
    assert main(args) == 0  # a rerun: every feed 304, the entries read again from the store
    assert (tmp_path / "out" / "digest-2026-11-20.json").read_bytes() == first
    assert all(web.statuses(p) == [200, 304] for p in feeds)
    assert main([*args[:-1], "2026-11-21"]) == 66  # nothing new the next day
    assert capsys.readouterr().err == ("digest: error: no new article from the feeds (5 feeds fetched, 5 unchanged "
                                       "since the last run, 0 failed or not fetched)\n")
