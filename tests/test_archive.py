"""The output folder as an archive: day navigation, index.html, the rolling digest.atom."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import feedparser
import pytest

from conftest import SAMPLE
from digest.cli import main

DAYS = ["2026-11-18", "2026-11-20", "2026-11-19"]  # written out of order, as reruns may


def run(out: Path, day: str, *more: str) -> None:
    code = main(["run", str(SAMPLE), "--no-state", "--date", day, "--out", str(out),
                 "--format", "html,json,atom", *more])
    assert code == 0


def nav(page: Path) -> list[tuple[str, str]]:
    found = re.search(r"<!-- digest:days -->(.*?)<!-- /digest:days -->", page.read_text(), re.S).group(1)
    return re.findall(r'<a (?:rel="(\w+)" )?href="([^"]+)"', found)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("archive") / "out"
    for day in DAYS:
        run(out, day)
    return out


def test_each_page_links_the_index_and_the_days_before_and_after(archive: Path) -> None:
    assert nav(archive / "digest-2026-11-18.html") == [("", "index.html"), ("next", "digest-2026-11-19.html")]
    assert nav(archive / "digest-2026-11-19.html") == [
        ("", "index.html"), ("prev", "digest-2026-11-18.html"), ("next", "digest-2026-11-20.html")]
    # written before the 19th existed, and given its new neighbour when the 19th was written
    assert nav(archive / "digest-2026-11-20.html") == [("", "index.html"), ("prev", "digest-2026-11-19.html")]


def test_the_index_lists_every_digest_newest_first_with_headlines(archive: Path) -> None:
    index = (archive / "index.html").read_text()
    assert re.findall(r'<div class="day"><a href="(digest-[\d-]+\.html)">', index) == [
        "digest-2026-11-20.html", "digest-2026-11-19.html", "digest-2026-11-18.html"]
    latest = index.split('<div class="day">')[1]
    assert "Scientists map deep coral reef near Kelsa Islands" in latest
    assert 'href="digest.atom"' in index


def test_the_atom_feed_parses_and_holds_the_digests_newest_first(archive: Path) -> None:
    feed = feedparser.parse((archive / "digest.atom").read_bytes())
    assert not feed.bozo and feed.version == "atom10"
    assert feed.feed.title == "News digest"
    assert [e.link for e in feed.entries] == [f"digest-2026-11-{d}.html" for d in ("20", "19", "18")]
    assert [e.title for e in feed.entries] == [f"News digest — 2026-11-{d}" for d in ("20", "19", "18")]
    latest = feed.entries[0]
    assert latest.updated == "2026-11-20T07:00:00+00:00" and latest.id.startswith("urn:uuid:")
    content = latest.content[0]
    assert content.type == "text/html" and "Avalen Harbour Bridge was closed" in content.value
    assert "digest:days" not in content.value and "preheader" not in content.value
    assert len({e.id for e in feed.entries}) == 3


def test_a_rerun_changes_nothing_and_keeps_the_entry_ids(archive: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in archive.iterdir()}
    ids = [e.id for e in feedparser.parse(before["digest.atom"]).entries]
    run(archive, "2026-11-19")
    assert {p.name: p.read_bytes() for p in archive.iterdir()} == before
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)
    run(copy, "2026-11-21")
    assert [e.id for e in feedparser.parse((copy / "digest.atom").read_bytes()).entries][1:] == ids


def test_the_feed_keeps_the_newest_atom_entries_and_site_url_makes_links_absolute(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('atom_entries = 2\nsite_url = "https://news.example/daily/"\n')
    out = tmp_path / "out"
    for day in DAYS:
        run(out, day, "--config", str(tmp_path / "digest.toml"))
    feed = feedparser.parse((out / "digest.atom").read_bytes())
    assert [e.link for e in feed.entries] == ["https://news.example/daily/digest-2026-11-20.html",
                                              "https://news.example/daily/digest-2026-11-19.html"]
    assert feed.feed.id == "https://news.example/daily/digest.atom"


def test_a_template_without_the_navigation_leaves_other_pages_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, "2026-11-18")
    plain = tmp_path / "templates"
    plain.mkdir()
    (plain / "html.html.j2").write_text("<html><body>{{ digest.date }}</body></html>\n")
    before = (out / "digest-2026-11-18.html").read_bytes()
    run(out, "2026-11-19")  # the packaged page: the 18th gets its next link
    assert (out / "digest-2026-11-18.html").read_bytes() != before
    patched = (out / "digest-2026-11-18.html").read_bytes()
    (out / "digest-2026-11-18.html").write_text("<html><body>by hand</body></html>\n")
    run(out, "2026-11-20", "--templates", str(plain))
    assert (out / "digest-2026-11-18.html").read_text() == "<html><body>by hand</body></html>\n"
    assert patched != before


def test_the_index_and_the_feed_are_never_read_as_articles(tmp_path: Path) -> None:
    news = tmp_path / "news"
    shutil.copytree(SAMPLE, news)
    out = news / "out"
    for day in ("2026-11-20", "2026-11-21"):
        assert main(["run", str(news), "--no-state", "--date", day, "--out", str(out),
                     "--format", "html,json,atom"]) == 0
    import json

    assert json.loads((out / "digest-2026-11-21.json").read_text())["stats"]["articles"] == 10


WEEK = Path(__file__).parent / "fixtures" / "week"


def test_a_story_that_continues_from_an_earlier_digest_says_so_and_links_to_it(tmp_path: Path) -> None:
    import json

    news = tmp_path / "in"
    news.mkdir()
    args = ["run", str(news), "--state", str(tmp_path / "state.sqlite"), "--out", str(tmp_path / "out"),
            "--format", "text,html,md,json"]
    for day, folder in (("2026-11-16", "day1"), ("2026-11-17", "day2")):
        for path in sorted((WEEK / folder).glob("*.md")):
            shutil.copy(path, news / path.name)
        if folder == "day2":
            (news / "cycle-lane.md").write_text(
                "---\ntitle: Harbour Road gets a cycle lane\noutlet: Fjord Times\npublished: 2026-11-17T08:00:00Z\n---\n"
                "A protected cycle lane opened on Harbour Road on Tuesday, the first of four planned for the city.\n\n"
                "The lane runs for 2.4 kilometres between the ferry terminal and the university.\n")
        assert main([*args, "--date", day]) == 0
    first = json.loads((tmp_path / "out" / "digest-2026-11-16.json").read_text())
    second = json.loads((tmp_path / "out" / "digest-2026-11-17.json").read_text())
    assert all(s["continues"] is None for s in first["sections"])  # nothing before it
    continued = [s for s in second["sections"] if s["continues"]]
    assert continued
    page = (tmp_path / "out" / "digest-2026-11-16.html").read_text()
    for section in continued:
        link = section["continues"]
        assert link["date"] == "2026-11-16"
        number = int(link["url"].rsplit("#story-", 1)[1])
        assert link["url"] == f"digest-2026-11-16.html#story-{number}"
        # the linked story is the one of that day with that headline, and it published a
        # statement this story's articles repeat or update
        assert f'<h2 id="story-{number}">{link["title"]}</h2>' in page
        assert first["sections"][number - 1]["title"] == link["title"]
    fire = next(s for s in continued if any("55 firefighters" in i["text"] for i in s["items"]))
    assert "library" in fire["continues"]["title"].lower() or "fire" in fire["continues"]["title"].lower()
    html = (tmp_path / "out" / "digest-2026-11-17.html").read_text()
    assert f'Continues from <a href="{fire["continues"]["url"]}">2026-11-16</a>' in html
    text = (tmp_path / "out" / "digest-2026-11-17.txt").read_text()
    assert "(continues from 2026-11-16: " in text
    assert "*Continues from 2026-11-16: " in (tmp_path / "out" / "digest-2026-11-17.md").read_text()
    # a story with nothing published before is not marked
    (fresh,) = [s for s in second["sections"] if any("cycle lane" in i["text"] for i in s["items"])]
    assert fresh["continues"] is None


def test_a_hand_edited_page_with_unclosed_markers_keeps_what_can_be_read(tmp_path: Path) -> None:
    # Openings without their closings (a page cut short or edited by hand): the headlines
    # that are whole are listed, the rest ignored, and the run goes on.
    from digest.archive import NAV_END, NAV_START, _headlines, _without_nav

    page = ('<h2 id="story-1">Bridge <b>opens</b> &amp; tolls</h2><h2 id="story-x">not ours</h2>'
            '<h2 id="story-2">Port strike ends</h2>' + '<h2 id="story-3">' * 5000)
    assert _headlines(page) == ["Bridge opens & tolls", "Port strike ends"]
    nav_page = f"a{NAV_START}old{NAV_END}b{NAV_START}old{NAV_END}c" + NAV_START * 5000
    assert _without_nav(nav_page, "N", count=1) == f"aNb{NAV_START}old{NAV_END}c" + NAV_START * 5000
    assert _without_nav(nav_page) == "abc" + NAV_START * 5000
    out = tmp_path / "out"
    run(out, "2026-11-18")
    (out / "digest-2026-11-18.html").write_text(page + NAV_START * 5000)
    run(out, "2026-11-19")
    index = (out / "index.html").read_text()
    assert "Port strike ends" in index and "not ours" not in index
