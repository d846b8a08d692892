"""Readers for web inputs: pages, feeds, dumps, URL lists; read-once; hostile input (fetching: test_fetch.py).

Fixtures under tests/fixtures/readers/ are written for this project: fictional
outlets, fictional news.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.config import Config
from digest.errors import InputDataError, NoInputError
from digest.ingest import READERS, ingest, normalise_url, read_file, read_once
from digest.models import Article
from digest.segment import paragraphs as segment_paragraphs
from digest.readers import (
    decode,
    html_to_text,
    parse_moment,
    plain_text,
    read_feed,
    read_html_article,
)

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
UTC = timezone.utc
# DIGEST_FUZZ_EXAMPLES=2000 pytest tests/test_readers.py -k fuzz: a long fuzzing run, same tests.
FUZZ = settings(
    max_examples=int(os.environ.get("DIGEST_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@contextlib.contextmanager
def warnings_logged():
    """The digest logger's warnings while the block runs (caplog is per test, not per example)."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("digest")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def paragraphs_of(article: Article) -> list[str]:
    """Readers separate the blocks of a page or entry by blank lines."""
    return article.body.split("\n\n")


def read_one(name: str, config: Config = Config()) -> list[Article]:
    return read_file(FIXTURES / name, config)


def copy_fixtures(tmp: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(FIXTURES / name, tmp / name)
    return tmp


# --- HTML pages --------------------------------------------------------------------------------

HARBOUR_PARAGRAPHS = [
    "The Millbrook harbour bridge reopened to traffic on Thursday morning, six weeks after engineers "
    "closed it to replace corroded deck bearings.",
    "The county highways department said the repair cost 2.4 million pounds, slightly under the "
    "budget approved by the council in April.",
    "Ferry operators, who ran extra crossings during the closure, said passenger numbers had doubled "
    "while the bridge was shut.",
    "Council leader Amira Osei thanked residents for their patience and said a weight limit for lorries "
    "would stay in place until the autumn inspection.",
    "Cyclists will be able to use the new separated lane on the eastern side of the bridge from next "
    "Monday, the department added.",
]

FERRY_STRIKE_PARAGRAPHS = [
    "Crews on the Eastgate to Millbrook ferry have voted to strike for two days next month in a dispute "
    "over new rotas.",
    "The union said 87 percent of members who took part in the ballot backed the walkout, on a turnout of "
    "71 percent.",
    "The operator said the new rotas were needed to run the late summer sailings and that talks would "
    "continue on Monday.",
    "Commuters who rely on the crossing were advised to check the timetable before travelling on the "
    "strike days.",
]

# For each fixture page: its article, one paragraph per line, and every piece of the page
# that is not the article (trafilatura's evaluation style: "with" and "without" snippets).
PAGES = {
    "harbour-bridge.html": (
        HARBOUR_PARAGRAPHS,
        [
            ("cookie banner", "We use cookies to improve your experience"),
            ("cookie banner", "Accept all"),
            ("cookie banner", "Manage preferences"),
            ("navigation", "Local news"),
            ("navigation", "Weather and tides"),
            ("navigation", "Opinion"),
            ("byline", "By Petra Lindqvist"),
            ("share bar", "Share on Facebook"),
            ("share bar", "Share on X"),
            ("share bar", "Email this story"),
            ("share bar", "Copy link"),
            ("newsletter promo", "Get the Morning Tide newsletter"),
            ("newsletter promo", "Sign up for our free daily newsletter"),
            ("most read", "Most read"),
            ("most read", "Seal pup rescued from Millbrook marina"),
            ("most read", "Bakery on Quay Street wins regional sourdough prize"),
            ("most read", "School bus timetable changes"),
            ("comments", "Comments (3)"),
            ("comments", "harbourwatcher"),
            ("comments", "About time too"),
            ("comments", "my deliveries are still late"),
            ("footer", "All rights reserved"),
            ("footer", "Privacy policy"),
            ("footer", "Contact us"),
            ("script", "dataLayer"),
            ("style", "position:fixed"),
        ],
    ),
    "ferry-strike.html": (
        FERRY_STRIKE_PARAGRAPHS,
        [
            ("cookie dialog", "Your privacy choices"),
            ("cookie dialog", "143 partners"),
            ("cookie dialog", "Accept and continue"),
            ("cookie dialog", "Reject non-essential"),
            ("navigation", "What's on"),
            ("navigation", "Jobs"),
            ("search", "Search the Herald"),
            ("breadcrumbs", "Transport"),
            ("share bar", "Share this article"),
            ("share bar", "WhatsApp"),
            ("share bar", "Print"),
            ("newsletter promo in the body", "Estuary Briefing"),
            ("newsletter promo in the body", "Sign up free"),
            ("related link in the body", "Read more: Ferry fares to rise"),
            ("advert", "Advertisement"),
            ("most read", "Trending now"),
            ("most read", "Giant jellyfish washed up"),
            ("most read", "Pub quiz champions"),
            ("author bio", "Tomas Reyes covers transport"),
            ("comments", "Join the conversation"),
            ("comments", "stranded on the wrong side of the river"),
            ("footer", "Coastal Local Media Ltd"),
            ("footer", "Advertise with us"),
            ("footer", "Cookie settings"),
            ("json-ld", "schema.org"),
        ],
    ),
}
BOILERPLATE = [(page, kind, line) for page, (_, lines) in PAGES.items() for kind, line in lines]


@pytest.fixture(scope="module")
def pages() -> dict[str, Article]:
    return {name: read_one(name)[0] for name in PAGES}


@pytest.fixture(scope="module")
def harbour_page(pages: dict[str, Article]) -> Article:
    return pages["harbour-bridge.html"]


def test_html_page_metadata(harbour_page: Article, pages: dict[str, Article]) -> None:
    assert harbour_page.title == "Harbour bridge reopens after six-week repair"
    assert harbour_page.url == "https://www.millbrook-courier.example/news/2025/06/12/harbour-bridge-reopens"
    assert harbour_page.outlet == "The Millbrook Courier"
    assert harbour_page.published == datetime(2025, 6, 12, 6, 30, tzinfo=UTC)
    assert harbour_page.path.endswith("harbour-bridge.html")
    ferry = pages["ferry-strike.html"]
    assert ferry.title == "Ferry crews vote to strike over rota changes"  # not the <title> with " - Estuary Herald"
    assert ferry.url == "https://estuary-herald.example/local/ferry-crews-strike-vote"  # og:url
    assert ferry.outlet == "Estuary Herald"
    assert ferry.published == datetime(2025, 6, 12, 15, 20, tzinfo=UTC)  # itemprop datePublished


@pytest.mark.parametrize("name", sorted(PAGES))
def test_html_page_body_is_the_article_one_paragraph_per_line(pages: dict[str, Article], name: str) -> None:
    assert paragraphs_of(pages[name]) == PAGES[name][0]


@pytest.mark.parametrize(("page", "kind", "line"), BOILERPLATE, ids=[f"{p} {k}: {l}" for p, k, l in BOILERPLATE])
def test_html_page_boilerplate_never_reaches_the_body(
    pages: dict[str, Article], page: str, kind: str, line: str
) -> None:
    assert line.casefold() not in pages[page].body.casefold()


def test_html_page_declared_latin1_is_decoded() -> None:
    (article,) = read_one("cafe-latin1.html")
    assert article.title == "Café owners oppose parking charges"
    assert article.outlet == "Le Petit Écho de Millbrook"
    assert "Renée Fontaine, who runs the Café du Port" in article.body
    assert not article.body.startswith("Café owners oppose")  # the <h1> is the title, not a paragraph
    assert "Accueil" not in article.body and "©" not in article.body


def test_text_file_in_latin1_is_decoded() -> None:
    (article,) = read_one("cafe-latin1.txt")
    assert article.outlet == "Le Petit Écho de Millbrook"
    assert "six cafés on Quay Street" in article.body


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Plain UTF-8: déjà vu".encode(), "Plain UTF-8: déjà vu"),
        (b"\xef\xbb\xbfWith a BOM", "With a BOM"),
        ("Café crème brûlée à la carte".encode("latin-1"), "Café crème brûlée à la carte"),
        ("“Quoted” — and a dash".encode("cp1252"), "“Quoted” — and a dash"),
        ("Привет мир, как дела сегодня".encode("cp1251"), "Привет мир, как дела сегодня"),
        # mixed: UTF-8 with latin-1/cp1252 pasted in keeps both halves
        ("Déjà vu. ".encode() * 3 + "Crème \x93fraîche\x94".encode("latin-1"), "Déjà vu. " * 3 + "Crème “fraîche”"),
    ],
)
def test_decode(data: bytes, text: str) -> None:
    assert decode(data, "x.txt") == text


def test_html_page_with_mixed_encodings(tmp_path: Path) -> None:
    page = tmp_path / "mixed.html"
    page.write_bytes(
        b"<html><head><meta charset='utf-8'><title>Quay market</title></head><body><article>"
        + "<p>The déjà vu market on the quay sold out of crêpes by noon on Saturday.</p>".encode() * 3
        + "<p>The café terrace reopens on Sunday with crème brûlée on the menu.</p>".encode("latin-1")
        + b"</article></body></html>"
    )
    (article,) = read_html_article(page, page.read_bytes(), Config())
    assert "sold out of crêpes" in article.body and "café terrace" in article.body
    assert "crème brûlée" in article.body


def test_html_without_canonical_url_gets_its_file_uri(tmp_path: Path) -> None:
    page = tmp_path / "plain.html"
    page.write_text(
        "<html><head><title>Pier lights repaired</title></head><body><article>"
        + "<p>The pier lights were repaired on Monday by volunteers from the harbour trust.</p>" * 3
        + "</article></body></html>"
    )
    (article,) = read_html_article(page, page.read_bytes(), Config())
    assert article.url == page.resolve().as_uri()
    assert article.title == "Pier lights repaired"


# --- feeds -----------------------------------------------------------------------------------


def test_rss_with_content_encoded_gives_the_full_text() -> None:
    harbour, library = read_one("courier-full.rss")
    assert harbour.outlet == library.outlet == "The Millbrook Courier"
    assert harbour.url.startswith("https://www.millbrook-courier.example/news/2025/06/12/harbour-bridge-reopens/")
    assert harbour.published == datetime(2025, 6, 12, 6, 30, tzinfo=UTC)
    assert paragraphs_of(harbour) == HARBOUR_PARAGRAPHS[:3]
    assert "trackView" not in harbour.body  # scripts in content never become text
    assert library.title == "Library extends weekend opening hours & adds a reading garden"
    assert library.published == datetime(2025, 6, 12, 8, 15, tzinfo=UTC)
    assert paragraphs_of(library) == [
        "Open on Sundays from July",
        "Millbrook Central Library will open on Sundays from the first weekend of July, "
        "the council's culture committee decided on Wednesday.",
        "Saturday: 9am to 6pm",
        "Sunday: 11am to 4pm",
        "A reading garden with benches and shade sails will open behind the building in August.",
    ]


def test_rss_with_summaries_only_and_bad_or_missing_dates() -> None:
    ferry, fair, syndicated = read_one("gazette-summaries.rss")
    assert ferry.outlet == "Eastgate Evening Gazette"
    assert ferry.body == (
        "The Eastgate ferry company will run a late sailing at 10.30pm every Friday and Saturday until September."
    )
    assert ferry.published == datetime(2025, 6, 12, 11, 0, tzinfo=UTC)
    assert fair.published is None  # "not a date at all"
    assert syndicated.published is None  # no pubDate
    assert paragraphs_of(syndicated) == HARBOUR_PARAGRAPHS[:3]


def test_atom_feed() -> None:
    lifeboat, path = read_one("tidewater.atom")
    assert lifeboat.outlet == "Tidewater Weekly"
    assert lifeboat.title == "Lifeboat crew honoured for winter rescue"  # type="html" title reduced to text
    assert lifeboat.url == "https://tidewater-weekly.example/lifeboat-crew-honoured"
    assert lifeboat.published == datetime(2025, 6, 11, 16, 45, tzinfo=UTC)  # published, not updated
    assert paragraphs_of(lifeboat)[1] == "The crew launched three times in one night, the station manager said."
    assert path.published == datetime(2025, 6, 12, 10, 30, tzinfo=UTC)  # only <updated>
    assert paragraphs_of(path) == [
        "A one-mile section of the coastal path north of Tidewater is closed after a cliff fall on Tuesday night.",
        "Walkers are asked to follow the signed inland diversion.",
    ]


def test_cut_off_feed_keeps_complete_entries_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        articles = read_one("truncated.rss")
    assert [a.title for a in articles] == ["Harbour bridge reopens after six-week repair"]
    assert paragraphs_of(articles[0]) == HARBOUR_PARAGRAPHS[:3]
    (message,) = [r.getMessage() for r in caplog.records]
    assert "truncated.rss" in message and "cut off" in message


def test_feed_entry_without_link_gets_a_distinct_file_uri(tmp_path: Path) -> None:
    feed = tmp_path / "nolinks.rss"
    feed.write_text(
        '<rss version="2.0"><channel><title>Quay Notes</title>'
        "<item><title>One</title><description>First note about the quay wall repairs.</description></item>"
        "<item><title>Two</title><description>Second note about the new mooring fees.</description></item>"
        "</channel></rss>"
    )
    one, two = ingest([feed], Config()).articles
    assert one.url != two.url and one.url.startswith("file://")


ATOM_TEXT = (FIXTURES / "tidewater.atom").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "data",
    [
        ATOM_TEXT.encode("utf-16"),  # declares utf-8, but the BOM says UTF-16
        ATOM_TEXT.replace("encoding=\"utf-8\"", "encoding=\"utf-16\"").encode("utf-16"),
        ATOM_TEXT.encode("utf-32"),
        ATOM_TEXT.encode("utf-8-sig"),
    ],
    ids=["utf-16 BOM", "utf-16 declared", "utf-32", "utf-8 BOM"],
)
def test_feed_in_unicode_encodings(data: bytes) -> None:
    articles = read_feed(Path("tidewater.atom"), data, Config())
    assert [a.title for a in articles] == [
        "Lifeboat crew honoured for winter rescue",
        "Coastal path section closed after cliff fall",
    ]


def test_feed_with_character_references_xml_forbids() -> None:
    """feedparser's loose parser raises on &#xD800;: the reader replaces such references."""
    feed = (b'<rss version="2.0"><channel><title>Refs &#xD800;</title><item><title>Odd &#1114112; refs</title>'
            b"<description>Surrogate &#xD800;, too big &#99999999;, fine &#233;.</description></item></channel></rss>")
    (article,) = read_feed(Path("refs.rss"), feed, Config())
    assert article.body == "Surrogate \ufffd, too big \ufffd, fine é."
    assert article.title == "Odd \ufffd refs"


def test_only_web_urls_become_article_urls(tmp_path: Path) -> None:
    dump = tmp_path / "links.jsonl"
    dump.write_text(
        '{"url": "javascript:alert(1)", "text": "The quay wall repairs start on Monday, the harbour trust said."}\n'
        '{"url": "https://quay.example/wall", "text": "The quay wall repairs will take about three weeks to finish."}\n'
    )
    bad, good = read_file(dump, Config())
    assert bad.url == f"{dump.resolve().as_uri()}#line-1"
    assert good.url == "https://quay.example/wall"


def test_feedparser_never_opens_the_data_as_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.rss"
    shutil.copy(FIXTURES / "tidewater.atom", secret)
    with pytest.raises(InputDataError, match="not an RSS or Atom feed"):
        read_feed(tmp_path / "x.rss", str(secret).encode(), Config())


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
        ("Line one<br>line two", "Line one\n\nline two"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("<p>Keep <b>bold</b> and <a href='#'>links</a> inline.</p>", "Keep bold and links inline."),
        ("<p>Text</p><script>alert(1)</script><style>p{}</style>", "Text"),
        ("plain &amp; simple", "plain & simple"),
        ("", ""),
        ("<", "<"),  # a stray bracket is text
        ("<?xml version='1.0' encoding='utf-8'?><p>Declared</p>", "Declared"),
        ("<p>Control\x01char</p><p>vertical\x0btab\ud800</p>", "Control char\n\nvertical tab"),  # fuzz find
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_list_items_stay_paragraphs_of_their_own_after_segmentation() -> None:
    """One block per line would let segment.paragraphs glue a lower-case list item to the line before."""
    body = html_to_text("<p>The library opens on Sundays.</p><ul><li>longer hours for students</li>"
                        "<li>step-free access at the side door</li></ul><p>A garden opens in August.</p>")
    assert segment_paragraphs(body) == [
        "The library opens on Sundays.",
        "longer hours for students",
        "step-free access at the side door",
        "A garden opens in August.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hard-wrapped prose stays\nwrapped as written.", "Hard-wrapped prose stays\nwrapped as written."),
        ("  One.  \n\n\n\nTwo.\t\tThree.  ", "One.\n\nTwo. Three."),
        ("\n\nLead.\x00\n", "Lead."),
    ],
)
def test_plain_text_keeps_the_layout(text: str, expected: str) -> None:
    assert plain_text(text) == expected


# --- JSON dumps --------------------------------------------------------------------------------


def test_json_dump(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        fares, bridge = read_one("wire-dump.json")
    assert fares.title == "Regional rail fares to rise by three percent in January"
    assert fares.outlet == "Coastline Wire"
    assert fares.url == "https://coastline-wire.example/rail-fares"
    assert fares.published == datetime(2025, 6, 12, 5, 0, tzinfo=UTC)
    assert fares.body.splitlines()[1] == "Season tickets for students will be frozen at this year's price."
    assert bridge.published is None  # "yesterday-ish"
    assert paragraphs_of(bridge) == HARBOUR_PARAGRAPHS[:3]
    (message,) = [r.getMessage() for r in caplog.records]
    assert "wire-dump.json" in message and "1 records without text" in message


def test_jsonl_dump(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        quota, master = read_one("wire-dump.jsonl")
    assert quota.published == datetime(2025, 6, 12, 8, 0, tzinfo=UTC)  # RFC 2822
    assert master.published == datetime(2025, 6, 12, 8, 0, tzinfo=UTC)  # epoch seconds
    (message,) = [r.getMessage() for r in caplog.records]
    assert "wire-dump.jsonl" in message and "line 3" in message


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2025-06-12T07:30:00+01:00", datetime(2025, 6, 12, 6, 30, tzinfo=UTC)),
        ("2025-06-12", datetime(2025, 6, 12, tzinfo=UTC)),
        ("Thu, 12 Jun 2025 06:30:00 GMT", datetime(2025, 6, 12, 6, 30, tzinfo=UTC)),
        (1749709800, datetime(2025, 6, 12, 6, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (True, None),
        (1e30, None),
        ("0001-01-01T00:00:00+05:00", None),
        ({"a": 1}, None),
    ],
)
def test_parse_moment(value: object, moment: datetime | None) -> None:
    assert parse_moment(value) == moment


# --- the same article twice ----------------------------------------------------------------


def test_same_article_from_four_sources_is_read_once(tmp_path: Path) -> None:
    names = ("courier-full.rss", "gazette-summaries.rss", "harbour-bridge.html", "wire-dump.json")
    result = ingest([copy_fixtures(tmp_path, *names)], Config())
    bridges = [a for a in result.articles if "harbour bridge reopened" in a.body]
    assert len(bridges) == 1
    (bridge,) = bridges
    assert bridge.path.endswith("courier-full.rss")  # the first in reading order is kept
    assert bridge.outlet == "The Millbrook Courier"
    assert bridge.outlets == ("Coastline Wire", "Eastgate Evening Gazette", "The Millbrook Courier")
    assert sorted((Path(d.path).name, d.reason) for d in result.duplicates) == [
        ("gazette-summaries.rss", "same text"),
        ("harbour-bridge.html", "same URL"),  # utm_* and the trailing slash do not count
        ("wire-dump.json", "same text"),
    ]
    assert [a.id for a in result.articles] == list(range(len(result.articles)))


def test_single_articles_have_their_outlet_in_outlets() -> None:
    result = ingest([FIXTURES / "tidewater.atom", FIXTURES / "cafe-latin1.txt"], Config())
    assert all(a.outlets == (a.outlet,) for a in result.articles)


def test_article_without_outlet_has_no_outlets(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The quay wall will be repaired over the winter months, the council said.\n")
    (article,) = ingest([tmp_path], Config()).articles
    assert article.outlet is None and article.outlets == ()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://Example.org/news/1/", "https://example.org/news/1"),
        ("https://example.org/news/1?utm_source=rss&utm_medium=feed", "https://example.org/news/1"),
        ("https://example.org/news/1#comments", "https://example.org/news/1"),
        ("https://example.org:443/news/1?id=7&fbclid=abc", "https://example.org/news/1?id=7"),
        ("http://example.org:80/a", "http://example.org/a"),
    ],
)
def test_normalise_url_same(a: str, b: str) -> None:
    assert normalise_url(a) == normalise_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/news/1", "https://example.org/news/2"),
        ("https://example.org/news?id=1", "https://example.org/news?id=2"),
        ("file:///feeds/a.rss#entry-1", "file:///feeds/a.rss#entry-2"),
        ("http://example.org:8080/a", "http://example.org/a"),
    ],
)
def test_normalise_url_different(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


_BODIES = [
    "The harbour bridge reopened on Thursday after six weeks of repairs to its corroded bearings.",
    "Regional rail fares will rise by three percent in January, the operator announced on Thursday.",
    "Five volunteers from the lifeboat station received bravery awards for a rescue in a January gale.",
    "Short note.",
]
article_strategy = st.builds(
    Article,
    id=st.just(-1),
    url=st.sampled_from(["https://a.example/1", "https://a.example/1/?utm_source=x", "https://b.example/2",
                         "https://c.example/3", "https://d.example/4"]),
    title=st.just("t"),
    outlet=st.sampled_from([None, "Courier", "Gazette", "Wire"]),
    published=st.none(),
    body=st.sampled_from(_BODIES),
    path=st.sampled_from(["a.rss", "b.json", "c.html"]),
)


@FUZZ
@given(st.lists(article_strategy, max_size=12))
def test_read_once_properties(articles: list[Article]) -> None:
    kept, duplicates = read_once(articles)
    assert len(kept) + len(duplicates) == len(articles)
    assert {(a.url, a.body) for a in kept} <= {(a.url, a.body) for a in articles}  # a subset
    assert read_once(kept)[0] == kept  # idempotent
    carried = {o for a in kept for o in a.outlets}
    assert carried == {a.outlet for a in articles if a.outlet}  # no outlet lost
    for article in kept:
        assert list(article.outlets) == sorted(set(article.outlets))
        assert article.outlet is None or article.outlet in article.outlets


# --- hostile input -----------------------------------------------------------------------------

CONTROL = "The harbour trust will repaint the lighthouse in September, its chairman said on Friday.\n"
FUZZ_EXTENSIONS = sorted(READERS)
FIXTURE_BYTES = {p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.is_file()}


def ingest_hostile(name: str, data: bytes, config: Config = Config()):
    """Ingest one hostile file next to a good one; check the contract and return what happened."""
    with tempfile.TemporaryDirectory() as tmp, warnings_logged() as warned:
        folder = Path(tmp)
        (folder / "control.txt").write_text(CONTROL)
        target = folder / name
        target.write_bytes(data)
        result = ingest([folder], config)  # anything but a finished Ingested is a failure here
        control = [a for a in result.articles if a.path == str(folder / "control.txt")]
        assert control and control[0].body == CONTROL.strip(), "the good file must still be read"
        skipped = [s for s in result.skipped if s.path == str(target)]
        from_target = [a for a in result.articles if a.path == str(target)]
        if skipped:
            assert not from_target
            naming = [w for w in warned if str(target) in w]
            assert len(naming) == 1, warned  # one warning per skipped file, naming it
        for message in warned:
            assert str(target) in message or "http" in message, message  # every warning names its file
        return result, skipped, warned


@FUZZ
@given(ext=st.sampled_from(FUZZ_EXTENSIONS), data=st.binary(max_size=4096))
def test_fuzz_random_bytes_through_every_reader(ext: str, data: bytes) -> None:
    ingest_hostile(f"fuzz{ext}", data)


# Pieces of every input kind, so random documents get past the first check of each parser.
MARKUP_TOKENS = [
    "<?xml version='1.0' encoding='utf-8'?>", "<?xml version='1.0' encoding='latin-1'?>",
    "<!DOCTYPE x [<!ENTITY e 'entity'>]>", "&e;", "<rss version='2.0'>", "</rss>", "<channel>",
    "<item>", "</item>", "<title>", "</title>", "<link>https://x.example/a</link>", "<link>",
    "<description>", "</description>", "<![CDATA[", "]]>", "<pubDate>", "</pubDate>",
    "Mon, 99 Foo 2025 25:61:00 GMT", "Thu, 12 Jun 2025 06:30:00 GMT",
    "<content:encoded>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "</feed>", "<entry>",
    "</entry>", "<content type='html'>", "<content type='xhtml'>", "</content>", "<updated>",
    "2025-13-45T99:00:00Z", "&lt;p&gt;", "&amp;", "&#0;", "&#xD800;", "&#1114112;", "<html>",
    "<head>", "<meta charset='latin-1'>", "<meta charset='bogus'>", "<meta charset='utf-16'>",
    "<body>", "<article>", "<p>", "</p>", "<div>", "</div>", "<script>", "<nav>", "<br>",
    "{", "}", "[", "]", '"text": ', '"title": ', '"url": ', '"published": ', '"outlet": ',
    '"articles": ', ", ", ": ", "null", "1e999", "-1", '"x"', "\n", "\r\n", " ",
    "The harbour bridge reopened on Thursday after six weeks of repairs. ", "é", "\u2028", "\ufeff",
]
markup_documents = st.tuples(
    st.lists(st.sampled_from(MARKUP_TOKENS) | st.text(max_size=12), max_size=60).map("".join),
    st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16", "utf-8-sig"]),
).map(lambda pair: pair[0].encode(pair[1], errors="replace"))


@FUZZ
@given(ext=st.sampled_from(FUZZ_EXTENSIONS), data=markup_documents)
def test_fuzz_markup_soup_through_every_reader(ext: str, data: bytes) -> None:
    ingest_hostile(f"soup{ext}", data)


field_text = st.lists(st.sampled_from(MARKUP_TOKENS) | st.text(max_size=16), max_size=25).map("".join)


@FUZZ
@given(
    feed_title=field_text, title=field_text, link=field_text, date=field_text, body=field_text,
    wrap=st.sampled_from(["cdata", "escaped", "raw"]), atom=st.booleans(),
)
def test_fuzz_feed_entry_fields(
    feed_title: str, title: str, link: str, date: str, body: str, wrap: str, atom: bool
) -> None:
    """A well-formed feed around hostile fields reaches the entry code, not just the parser."""
    from xml.sax.saxutils import escape

    content = {"cdata": f"<![CDATA[{body}]]>", "escaped": escape(body), "raw": body}[wrap]
    if atom:
        doc = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(feed_title)}</title><entry>'
               f'<title type="html">{escape(title)}</title><link href="{escape(link, {chr(34): "&quot;"})}"/>'
               f'<updated>{escape(date)}</updated><content type="html">{content}</content></entry></feed>')
    else:
        doc = (f'<rss version="2.0"><channel><title>{escape(feed_title)}</title><item><title>{escape(title)}'
               f"</title><link>{escape(link)}</link><pubDate>{escape(date)}</pubDate>"
               f"<description>{content}</description></item></channel></rss>")
    ingest_hostile("fields.atom" if atom else "fields.rss", doc.encode("utf-8", errors="surrogatepass"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | field_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "url", "outlet", "published", "text", "body", "articles", "x"]), inner, max_size=6
    ),
    max_leaves=20,
)


@FUZZ
@given(records=st.lists(json_values, max_size=5), lines=st.booleans())
def test_fuzz_json_dump_values(records: list[object], lines: bool) -> None:
    import json

    if lines:
        data = "\n".join(json.dumps(r) for r in records).encode("utf-8", errors="surrogatepass")
    else:
        data = json.dumps(records).encode("utf-8", errors="surrogatepass")
    ingest_hostile("values.jsonl" if lines else "values.json", data)


@FUZZ
@given(
    source=st.sampled_from(sorted(FIXTURE_BYTES)),
    ext=st.sampled_from(FUZZ_EXTENSIONS),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(min_value=0.0, max_value=1.0), st.integers(0, 255)), max_size=8),
    junk=st.binary(max_size=64),
)
def test_fuzz_mutated_fixtures_under_any_extension(
    source: str, ext: str, cut: float, flips: list[tuple[float, int]], junk: bytes
) -> None:
    """Truncated, corrupted and mislabelled files: a feed saved as .json, a page as .rss, ..."""
    data = bytearray(FIXTURE_BYTES[source])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = bytes(data[: max(1, int(cut * len(data)))]) + junk
    ingest_hostile(f"mutant{ext}", data)


@pytest.mark.parametrize("ext", FUZZ_EXTENSIONS)
def test_every_fixture_under_every_extension(ext: str) -> None:
    for name, data in FIXTURE_BYTES.items():
        ingest_hostile(f"{Path(name).stem}{ext}", data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep.html", b"<html><body>" + b"<div>" * 5000 + b"<p>Deep.</p>" + b"</div>" * 5000 + b"</body></html>"),
        ("deep-unclosed.html", b"<html><body>" + b"<div><span>" * 5000),
        ("deep.rss", b'<rss version="2.0"><channel><title>Deep</title><item><title>x</title><description>'
         + b"&lt;div&gt;" * 5000 + b"Deep text.</description></item></channel></rss>"),
        ("deep.atom", b'<feed xmlns="http://www.w3.org/2005/Atom"><title>D</title><entry><title>x</title>'
         + b"<content type='xhtml'>" + b"<div xmlns='http://www.w3.org/1999/xhtml'>" * 3000
         + b"Deep." + b"</div>" * 3000 + b"</content></entry></feed>"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000),
        ("deep.jsonl", b"[" * 100_000 + b"\n" + b'{"text": "x"}' * 3),
        ("empty.html", b""),
        ("empty.rss", b""),
        ("spaces.json", b"   \n\t"),
        ("nul.rss", b"\x00" * 1000),
        ("utf16.rss", (FIXTURES / "tidewater.atom").read_text().encode("utf-16")),
        ("mixed.html", b"<html><head><meta charset='utf-8'><title>Mixed</title></head><body><article><p>"
         + "Caf\u00e9 d\u00e9j\u00e0 vu. ".encode() * 20 + "caf\u00e9 ".encode("latin-1") * 20
         + b"</p></article></body></html>"),
        ("entities.rss", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;'
         b'&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><title>&c;</title>'
         b"<item><title>x</title><description>&c;&c;&c;</description></item></channel></rss>"),
        ("urls.txt", b"\xff\xfe\x00garbage"),
        # issue 16: hand-written Markdown regexes took 236 s on 300 KB of these
        ("stars.md", b"*a " * 100_000),
        ("brackets.md", b"[a " * 100_000),
        ("controls.rss", (FIXTURES / "courier-full.rss").read_bytes().replace(b"corroded", b"corr\x01oded")),
    ],
)
def test_pathological_files(name: str, data: bytes) -> None:
    started = time.monotonic()
    ingest_hostile(name, data)
    assert time.monotonic() - started < 20


def test_file_over_the_size_cap_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    copy_fixtures(tmp_path, "tidewater.atom", "harbour-bridge.html")
    big = tmp_path / "huge.html"
    big.write_bytes(b"<html><body>" + b"<p>Filler paragraph.</p>" * 2000 + b"</body></html>")
    config = Config(max_file_bytes=20_000)
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = ingest([tmp_path], config)
    assert [s.path for s in result.skipped] == [str(big)]
    assert "over the 20000-byte limit" in result.skipped[0].reason
    assert [r.getMessage() for r in caplog.records] == [f"skipped {result.skipped[0].reason}"]
    assert len(result.articles) == 3


def test_nothing_readable_is_no_input(tmp_path: Path) -> None:
    (tmp_path / "junk.rss").write_bytes(b"<html>not a feed</html>")
    with pytest.raises(NoInputError, match="no readable article"):
        ingest([tmp_path], Config())
