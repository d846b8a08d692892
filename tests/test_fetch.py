"""The one fetcher: whole-transfer deadline, budget, size cap, redirects, conditional GET,
per-host limit; and the online inputs (URLs, URL lists, summary-only entries) through it.

Every server is one the test starts on 127.0.0.1 (tests/loopback.py).
"""
from __future__ import annotations

import gzip
import logging
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.cli import main
from digest.config import Config, load_config
from digest.errors import ConfigError, NoInputError, UsageError
from digest.feeds import read_urls
from digest.fetch import USER_AGENT, Fetcher, FetchError, Request, Validators, check_url
from digest.ingest import ingest
from digest.readers import parse_url_list

from loopback import SlowServer, WebServer, free_port

FIXTURES = Path(__file__).parent / "fixtures" / "readers"

FERRY_PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Ferry company adds late sailing for summer season</title>
<meta property="og:site_name" content="Eastgate Evening Gazette">
<meta property="article:published_time" content="2025-06-12T11:00:00Z"></head>
<body><nav><a href="/">Front page</a> <a href="/sport">Sport</a></nav>
<article><h1>Ferry company adds late sailing for summer season</h1>
<p>The Eastgate ferry company will run a late sailing at 10.30pm every Friday and Saturday until September.</p>
<p>The company said the extra crossing answers requests from restaurants on both sides of the estuary.</p>
<p>Tickets for the late sailing cost the same as daytime fares, and bicycles travel free.</p>
</article><footer>Eastgate Evening Gazette, 4 Market Row</footer></body></html>"""

FETCH = Config(fetch=True, fetch_timeout=1.0)


pytestmark = pytest.mark.usefixtures("no_proxy")


def fetcher(**kwargs) -> Fetcher:
    return Fetcher(**{"timeout": 1.0, **kwargs})


def summary_feed(web: WebServer, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Ferry company adds late sailing for summer season</title><link>{web.url(p)}</link>"
        "<pubDate>Thu, 12 Jun 2025 11:00:00 GMT</pubDate>"
        "<description>The Eastgate ferry company will run a late sailing.</description></item>"
        for p in paths
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Eastgate Evening Gazette</title>'
            f"{items}</channel></rss>").encode()


def paragraphs_of(article) -> list[str]:
    return article.body.split("\n\n")


# --- one request ------------------------------------------------------------------------------


def test_a_page_is_fetched_with_a_clear_user_agent(web: WebServer) -> None:
    web.route("/ferry", FERRY_PAGE)
    got = fetcher().fetch(web.url("/ferry"))
    assert got.status == 200 and got.data == FERRY_PAGE
    assert got.content_type == "text/html" and got.charset == "utf-8"
    (seen,) = web.requests
    assert seen.headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("digest/")


def test_gzip_bodies_are_decompressed(web: WebServer) -> None:
    web.route("/ferry", FERRY_PAGE)
    got = fetcher().fetch(web.url("/ferry"))
    assert web.requests[0].headers["Accept-Encoding"] == "gzip, deflate"
    assert got.data == FERRY_PAGE  # the server sent it gzipped (loopback.py compresses large bodies)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_small_compressed_body_that_inflates_past_the_cap_is_refused(web: WebServer, encoding: str) -> None:
    inflated = b"a" * 2_000_000
    body = gzip.compress(inflated) if encoding == "gzip" else zlib.compress(inflated)
    web.route("/bomb", body, content_type="text/html", headers={"Content-Encoding": encoding})
    with pytest.raises(FetchError, match="more than the 100000-byte limit once decompressed"):
        fetcher(max_bytes=100_000).fetch(web.url("/bomb"))


@pytest.mark.parametrize(
    ("path", "kwargs", "reason"),
    [
        ("/missing", {}, "HTTP 404 Not Found"),
        ("/big", {"max_bytes": 1000}, "5000 bytes is over the 1000-byte limit"),
        ("/slow", {"timeout": 0.3}, "timed out after 0.3 s"),
    ],
)
def test_failures_name_the_url_and_say_why(web: WebServer, path: str, kwargs: dict, reason: str) -> None:
    web.route("/big", b"x" * 5000, content_type="application/octet-stream", headers={"Content-Encoding": "identity"})
    web.route("/slow", FERRY_PAGE, delay=2.0)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher(**kwargs).fetch(web.url(path))
    assert caught.value.message == f"{web.url(path)}: {reason}"
    assert time.monotonic() - started < 1.5


def test_connection_refused_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/x"
    with pytest.raises(FetchError, match="connection refused") as caught:
        fetcher().fetch(url)
    assert caught.value.message.startswith(url + ":")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.invalid/x", "javascript:alert(1)", "not a url"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="not an http"):
        fetcher().fetch(url)


@pytest.mark.parametrize(("url", "why"), [
    ("http://[::1/broken", "Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/x", "out of range"),
    ("http:///no-host", "no host"),
])
def test_a_malformed_url_is_a_failure_naming_it(url: str, why: str) -> None:
    with pytest.raises(FetchError, match="not a valid URL") as caught:
        check_url(url)
    assert caught.value.message.startswith(url + ": ") and why in caught.value.message


def test_redirects_are_followed_to_http_only(web: WebServer) -> None:
    web.route("/ferry", FERRY_PAGE)
    web.route("/moved", web.url("/ferry"), status=301)
    web.route("/found", "/ferry", status=302)  # relative Location
    web.route("/to-file", "file:///etc/passwd", status=302)
    web.route("/to-ftp", "ftp://ftp.example.invalid/pub/x", status=302)  # urllib would go
    web.route("/loop", "/loop", status=302)
    moved = fetcher().fetch(web.url("/moved"))
    assert moved.final_url == web.url("/ferry") and moved.data == FERRY_PAGE
    assert moved.moved_to == web.url("/ferry")  # permanent: a subscription may follow it
    found = fetcher().fetch(web.url("/found"))
    assert found.data == FERRY_PAGE and found.moved_to is None
    for path in ("/to-file", "/to-ftp"):
        with pytest.raises(FetchError, match="redirect to a non-HTTP URL"):
            fetcher().fetch(web.url(path))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher().fetch(web.url("/loop"))


def test_conditional_get_with_etag_gets_a_304(web: WebServer) -> None:
    web.route("/feed.xml", summary_feed(web, ["/ferry"]), content_type="application/rss+xml", etag='"v1"')
    first = fetcher().fetch(web.url("/feed.xml"))
    assert first.status == 200 and first.validators == Validators('"v1"', None)
    second = fetcher().fetch(web.url("/feed.xml"), first.validators)
    assert second.not_modified and second.data == b"" and second.validators == first.validators
    assert web.requests[1].headers["If-None-Match"] == '"v1"'
    web.routes["/feed.xml"].etag = '"v2"'  # the feed changed
    assert fetcher().fetch(web.url("/feed.xml"), first.validators).status == 200


def test_conditional_get_with_last_modified(web: WebServer) -> None:
    stamp = "Thu, 19 Nov 2026 06:00:00 GMT"
    web.route("/feed.xml", summary_feed(web, ["/ferry"]), content_type="application/rss+xml", last_modified=stamp)
    first = fetcher().fetch(web.url("/feed.xml"))
    assert first.validators == Validators(None, stamp)
    assert fetcher().fetch(web.url("/feed.xml"), first.validators).not_modified
    assert web.requests[1].headers["If-Modified-Since"] == stamp


def test_retry_after_is_kept_with_a_503(web: WebServer) -> None:
    web.route("/busy", "try later", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError) as caught:
        fetcher().fetch(web.url("/busy"))
    assert caught.value.status == 503 and caught.value.retry_after == 3600 and caught.value.temporary


@pytest.mark.parametrize("header, seconds", [("99999999999999999999", 7 * 86_400), ("9" * 5000, 7 * 86_400),
                                             ("Fri, 31 Dec 9999 23:59:59 GMT", 7 * 86_400), ("\u00b2", None)])
def test_retry_after_is_at_most_a_week_and_junk_is_ignored(web: WebServer, header: str, seconds) -> None:
    web.route("/busy", "try later", status=503, headers={"Retry-After": header})
    with pytest.raises(FetchError) as caught:
        fetcher().fetch(web.url("/busy"))
    assert caught.value.status == 503 and caught.value.retry_after == seconds


@pytest.mark.parametrize("head", [b"HTTP/1.0 200 OK", b"HTTP/1.1 200 OK\r\nConnection: close",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: -1", b"HTTP/1.1 200 OK\r\nContent-Length: lots",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000])
def test_a_body_that_ends_with_the_connection_is_read_to_its_end(head: bytes) -> None:
    # No usable Content-Length: the body is what comes before the server closes (RFC 9112 6.3);
    # reading it failed with "Bad file descriptor".
    class Closing(SlowServer):
        ANSWER = head + b"\r\nContent-Type: text/html\r\n\r\n<html><body><p>Harbour news.</p></body></html>"

    with Closing(fast_until=len(Closing.ANSWER)) as server:
        response = fetcher().fetch(server.url("/page"))
    assert response.status == 200 and response.data == b"<html><body><p>Harbour news.</p></body></html>"


# --- the whole-transfer deadline (issue 16, cause 2) ----------------------------------------------


@pytest.mark.parametrize("where", ["status line", "headers", "body"])
def test_a_server_sending_one_byte_a_second_is_cut_off_at_the_timeout(where: str) -> None:
    fast = {"status line": 0, "headers": SlowServer.headers_offset(), "body": SlowServer.body_offset()}[where]
    with SlowServer(fast_until=fast, interval=0.25) as slow:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out after 1.5 s"):
            fetcher(timeout=1.5).fetch(slow.url("/drip"))
        elapsed = time.monotonic() - started
    # Each byte came well inside any per-read timeout; the deadline is for the whole transfer.
    assert 1.4 < elapsed < 2.5


def test_the_budget_bounds_all_fetching_of_a_run(web: WebServer) -> None:
    """Ten pages that each take a second to come, two at a time: the budget, not ten seconds."""
    for n in range(10):
        web.route(f"/slow-{n}", FERRY_PAGE, delay=1.0)
    urls = [web.url(f"/slow-{n}") for n in range(10)]
    started = time.monotonic()
    results = fetcher(timeout=5.0, budget=2.5, per_host=2).fetch_many([Request(u) for u in urls])
    elapsed = time.monotonic() - started
    assert elapsed < 4.5  # all ten, two at a time, take 5 s; the margin is for a loaded machine
    assert [r.url for r in results] == urls
    fetched = [r for r in results if not isinstance(r, FetchError)]
    stopped = [r for r in results if isinstance(r, FetchError) and r.message.endswith(
        ": stopped: the run's fetch budget of 2.5 s ran out")]
    not_started = [r for r in results if isinstance(r, FetchError) and r.message.endswith(
        ": not fetched: the run's fetch budget of 2.5 s ran out")]
    assert (len(fetched), len(stopped), len(not_started)) == (4, 2, 4)  # 0-1 s, 1-2 s, then 2-2.5 s
    assert all(r.budget for r in stopped + not_started)


def test_a_host_that_lets_requests_time_out_is_asked_nothing_more() -> None:
    """Ten URLs on a host that accepts and never answers: one round of timeouts, not ten."""
    with SlowServer(silent=True) as silent:
        urls = [silent.url(f"/entry-{i}") for i in range(10)]
        started = time.monotonic()
        one = fetcher(timeout=1.0, budget=60, per_host=2)
        results = one.fetch_many([Request(u) for u in urls])
        elapsed = time.monotonic() - started
        asked = silent.connections
        later = one.fetch_many([Request(silent.url("/again"))])  # the same run: still not asked
        assert silent.connections == asked
    assert asked == 2 and elapsed < 2.5  # two at once, and after a timeout no more while one is out
    reasons = [r.message.split(": ", 1)[1] for r in results]
    assert reasons[:asked] == ["timed out after 1 s"] * asked
    assert reasons[asked:] == ["not fetched: 127.0.0.1 let the last 2 requests time out"] * 8
    assert later[0].message.split(": ", 1)[1].startswith("not fetched: 127.0.0.1 let the last")


def test_requests_to_one_host_go_per_host_at_a_time(web: WebServer) -> None:
    for i in range(6):
        web.route(f"/p{i}", FERRY_PAGE, delay=0.2)
    results = fetcher(per_host=2, connections=8).fetch_many([Request(web.url(f"/p{i}")) for i in range(6)])
    assert all(r.status == 200 for r in results)
    assert web.most_in_flight == 2


def test_fetch_settings_are_configuration(tmp_path: Path) -> None:
    assert (Config().fetch_timeout, Config().fetch_budget, Config().fetch_per_host) == (10.0, 120.0, 2)
    (tmp_path / "digest.toml").write_text("fetch_timeout = 4\nfetch_budget = 30\nfetch_per_host = 1\n")
    config = load_config(tmp_path / "digest.toml", flags={"fetch": True}, environ={"DIGEST_FETCH_TIMEOUT": "2.5"})
    assert (config.fetch, config.fetch_timeout, config.fetch_budget, config.fetch_per_host) == (True, 2.5, 30.0, 1)
    made = Fetcher.from_config(config)
    assert (made.timeout, made.budget, made.per_host, made.max_bytes) == (2.5, 30.0, 1, config.max_file_bytes)


@pytest.mark.parametrize("line", ["fetch_timeout = 0", "fetch_timeout = inf", "fetch_budget = -1",
                                  "fetch_budget = nan", "fetch_per_host = 0"])
def test_fetch_settings_out_of_range_are_config_errors(tmp_path: Path, line: str) -> None:
    (tmp_path / "digest.toml").write_text(line + "\n")
    with pytest.raises(ConfigError, match=line.split()[0]):
        load_config(tmp_path / "digest.toml")


# --- online inputs through the fetcher ------------------------------------------------------------


def test_feed_summaries_are_completed_from_their_pages_only_with_fetch(
    web: WebServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    web.route("/ferry", FERRY_PAGE)
    feed = tmp_path / "gazette.rss"
    feed.write_bytes(summary_feed(web, ["/ferry", "/gone"]))

    offline = ingest([feed], Config())
    assert web.requests == []  # off by default: nothing is fetched
    assert [a.body for a in offline.articles] == ["The Eastgate ferry company will run a late sailing."] * 2
    assert all(a.summary_only for a in offline.articles)

    with caplog.at_level(logging.WARNING, logger="digest"):
        online = ingest([feed], FETCH)
    full, kept_summary = online.articles
    assert paragraphs_of(full)[1] == (
        "The company said the extra crossing answers requests from restaurants on both sides of the estuary."
    )
    assert "Front page" not in full.body and "Market Row" not in full.body
    assert full.outlet == "Eastgate Evening Gazette" and full.url == web.url("/ferry") and not full.summary_only
    assert kept_summary.body == "The Eastgate ferry company will run a late sailing."
    (warning,) = [r.getMessage() for r in caplog.records]
    assert web.url("/gone") in warning and "HTTP 404" in warning and str(feed) in warning


def test_fetched_feed_entries_are_completed_from_their_pages(web: WebServer) -> None:
    web.route("/ferry", FERRY_PAGE)
    web.route("/gazette.rss", summary_feed(web, ["/ferry"]), content_type="text/xml")
    ((article,),) = read_urls([web.url("/gazette.rss")], fetcher())
    assert len(paragraphs_of(article)) == 3
    assert article.path == web.url("/gazette.rss")
    assert web.paths() == ["/gazette.rss", "/ferry"]


def test_url_list_is_skipped_with_a_warning_when_fetch_is_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "urls.txt").write_text("https://eastgate-gazette.example/a\n")
    (tmp_path / "more.urls").write_text("https://eastgate-gazette.example/b\n")
    (tmp_path / "tidewater.atom").write_bytes((FIXTURES / "tidewater.atom").read_bytes())
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = ingest([tmp_path], Config())
    assert sorted(Path(s.path).name for s in result.skipped) == ["more.urls", "urls.txt"]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all("--fetch" in m for m in messages)


def test_url_list_is_fetched_with_fetch_on(web: WebServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    web.route("/ferry", FERRY_PAGE)
    web.route("/feed.xml", (FIXTURES / "tidewater.atom").read_bytes(), content_type="application/rss+xml")
    (tmp_path / "urls.txt").write_text(
        f"# pages and feeds to read\n{web.url('/ferry')}   # the ferry story\n\n{web.url('/feed.xml')}\n"
        f"{web.url('/missing')}\nfile:///etc/passwd\nhttp://[::1/broken\n"
    )
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = ingest([tmp_path], FETCH)
    assert [a.title for a in result.articles] == [
        "Ferry company adds late sailing for summer season",
        "Lifeboat crew honoured for winter rescue",
        "Coastal path section closed after cliff fall",
    ]
    assert result.articles[0].published == datetime(2025, 6, 12, 11, 0, tzinfo=UTC)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert all(m.startswith(f"skipped {tmp_path / 'urls.txt'}: ") for m in messages)
    assert web.url("/missing") in messages[0] and "file:///etc/passwd" in messages[1]
    assert "http://[::1/broken: not a valid URL (Invalid IPv6 URL)" in messages[2]
    assert all(seen.headers["User-Agent"] == USER_AGENT for seen in web.requests)


@pytest.mark.parametrize(("line", "urls"), [
    ("https://a.example/x # the x story", ["https://a.example/x"]),
    ("https://a.example/x\t#tab", ["https://a.example/x"]),
    ("https://a.example/x#section-2", ["https://a.example/x#section-2"]),  # a fragment, not a comment
    ("   # only a comment", []),
    ("#https://a.example/commented-out", []),
])
def test_url_list_comments(line: str, urls: list[str]) -> None:
    assert parse_url_list(line + "\n") == urls


def test_urls_as_inputs(web: WebServer) -> None:
    web.route("/ferry", FERRY_PAGE)
    with pytest.raises(NoInputError, match="--fetch"):
        ingest([web.url("/ferry")], Config())
    assert web.requests == []
    (article,) = ingest([web.url("/ferry")], FETCH).articles
    assert article.outlet == "Eastgate Evening Gazette"


def test_a_malformed_url_argument_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(UsageError, match=r"^http://\[::1/broken: not a valid URL \(Invalid IPv6 URL\)$"):
        ingest(["http://[::1/broken"], FETCH)
    assert main(["run", "http://[::1/broken", "--fetch", "--no-state"]) == 64
    err = capsys.readouterr().err
    assert err == "digest: error: http://[::1/broken: not a valid URL (Invalid IPv6 URL)\n"


def test_a_url_input_that_fails_says_what_failed(web: WebServer, capsys: pytest.CaptureFixture) -> None:
    web.route("/gone", "no such page", status=404)
    assert main(["run", web.url("/gone"), "--fetch", "--no-state", "--out", "-", "--format", "json"]) == 66
    assert capsys.readouterr().err == f"digest: error: {web.url('/gone')}: HTTP 404 Not Found\n"
    assert main(["run", web.url("/gone"), web.url("/gone?again"), "--fetch", "--no-state", "--out", "-",
                 "--format", "json"]) == 66
    assert capsys.readouterr().err == (f"digest: error: none of the 2 URLs gave an article "
                                       f"(first: {web.url('/gone')}: HTTP 404 Not Found)\n")


def test_a_malformed_url_in_a_list_is_a_warning_and_the_run_goes_on(
    web: WebServer, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    web.route("/ferry", FERRY_PAGE)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "urls.txt").write_text(f"http://[::1/broken\n{web.url('/ferry')} # comment\n")
    code = main(["run", str(tmp_path / "in"), "--fetch", "--no-state", "--out", str(tmp_path / "out"),
                 "--date", "2025-06-12", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "http://[::1/broken: not a valid URL" in err and "Traceback" not in err
    assert (tmp_path / "out" / "digest-2025-06-12.json").exists()


def test_each_failure_is_one_warning(web: WebServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    web.route("/ferry", FERRY_PAGE)
    web.route("/empty", b"<html><body></body></html>")
    urls = [web.url("/ferry"), web.url("/missing"), web.url("/empty"), f"http://127.0.0.1:{free_port()}/refused"]
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = ingest(urls, FETCH)
    assert len(result.articles) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    for url, message in zip(urls[1:], messages):
        assert url in message


def test_a_slow_url_input_cannot_hold_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_FETCH_TIMEOUT", "1")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Harbour bridge shut\n\nThe Avalen Harbour Bridge was closed on Thursday.\n")
    with SlowServer(interval=0.5) as slow:
        started = time.monotonic()
        code = main(["run", str(tmp_path / "in"), slow.url("/drip"), "--fetch", "--no-state",
                     "--out", str(tmp_path / "out"), "--date", "2026-11-20", "--format", "json"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 0 and f"skipped {slow.url('/drip')}: timed out after 1 s" in err
    assert elapsed < 5
