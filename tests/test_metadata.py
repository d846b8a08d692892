"""Titles of plain text files and outlets of every article (issue 14): tables of (input, expected)."""
from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import Config, load_config
from digest.ingest import ingest
from digest.metadata import find_title, lead_title, readable_name, table_outlet, text_title, undecorate, with_outlet
from digest.models import Article

LEAD = "The Avalen Harbour Bridge was closed to all traffic on Thursday after inspectors found cracks in two beams."

# (body, the title found or None): each row one thing a plain file's top can hold.
TITLES = [
    ("Harbour Bridge Closed After Cracks Found\n\n" + LEAD, "Harbour Bridge Closed After Cracks Found"),
    # regression (issue 14): a dateline above the headline was taken for the title
    ("Today : Nov 20, 2026\n\nHarbour Bridge Closed After Cracks Found\n\n" + LEAD,
     "Harbour Bridge Closed After Cracks Found"),
    # regression: a decorated heading became the title with its decoration
    ("//Harbour Bridge Closed After Cracks Found//\n\n" + LEAD, "Harbour Bridge Closed After Cracks Found"),
    ("== Harbour Bridge Closed ==\n\n" + LEAD, "Harbour Bridge Closed"),
    ("Harbour Bridge Closed After Cracks Found...\n\n" + LEAD, "Harbour Bridge Closed After Cracks Found"),
    ("World News\n\nHarbour Bridge Closed After Cracks Found\n\n" + LEAD, "Harbour Bridge Closed After Cracks Found"),
    ("Local news, local voices /\n\nHarbour Bridge Closed After Cracks Found\n\n" + LEAD,
     "Harbour Bridge Closed After Cracks Found"),
    ("News | Sport | Weather\n\nBridge Shut As Cracks Spread\n\n" + LEAD, "Bridge Shut As Cracks Spread"),
    ("*** *** ***\nBy Maria Lopez, Staff Reporter\nBridge Shut As Cracks Spread\n\n" + LEAD, "Bridge Shut As Cracks Spread"),
    # a headline in sentence case is taken when the page prints it twice, or as a short first line
    ("Menu\n\nHarbour bridge shut after inspectors find cracks\n\nHome\n\nHarbour bridge shut after inspectors find cracks\n\n"
     + LEAD, "Harbour bridge shut after inspectors find cracks"),
    ("Harbour bridge shut after inspectors find cracks\n\n" + LEAD, "Harbour bridge shut after inspectors find cracks"),
    # no headline: prose from the first line, or a first line that is a sentence
    (LEAD + "\n\nRepairs could take weeks.", None),
    ("The bridge closed on Thursday.\n\nRepairs could take weeks.", None),
    ("Updated Nov 20, 2026\n\n" + LEAD, None),
    ("Politics\n\n" + LEAD, None),
    # a heading further down, after prose, is a subheading, not the title
    (LEAD + "\n\nWhat Happens Next\n\nRepairs could take weeks.", None),
    # hard-wrapped at a narrow width: a wrapped line that looks like a heading is prose, the dateline no title
    ("NORTHMERE (Valley Wire) -\nThe Northmere regional\ncouncil approved a plan on\nWednesday to plant 12,000\n"
     "trees along the Ost river.\n\nThe planting will start in\nApril, the council said.", None),
    ("Harbour Bridge Shut\nThe Avalen Harbour\nBridge was closed to all\ntraffic on Thursday after\ninspectors found cracks.",
     "Harbour Bridge Shut"),
    # a file of one heading line is an article, not a title
    ("Harbour Bridge Closed After Cracks Found", None),
]


@pytest.mark.parametrize("body,title", TITLES)
def test_find_title(body, title):
    found, rest = find_title(body)
    assert found == title
    if title is not None:
        assert LEAD in rest and rest.count(title) == body.count(title) - 1 or title not in rest


@pytest.mark.parametrize("line,clean", [
    ("//Bridge Closed//", "Bridge Closed"), ("== Bridge Closed ==", "Bridge Closed"), ("# Bridge Closed", "Bridge Closed"),
    ("Bridge Closed...", "Bridge Closed"), ("Bridge Closed.", "Bridge Closed"), ("Bridge Closed …", "Bridge Closed"),
    ("U.S. Bridge Closed", "U.S. Bridge Closed"),
    ("Storm Closes Schools in Washington, D.C.", "Storm Closes Schools in Washington, D.C."),
    ("Storm Closes Schools in Orvale.", "Storm Closes Schools in Orvale"),
])
def test_undecorate(line, clean):
    assert undecorate(line) == clean


@pytest.mark.parametrize("name,title", [
    ("harbour-bridge-closed.txt", "Harbour bridge closed"),
    ("2026-11-20_council_votes.md", "Council votes"),
    ("CouncilVotesWaterPlan.txt", "Council Votes Water Plan"),
    # regression (issue 14): "000 401931daceb7e339" was shown as a title
    ("000_401931daceb7e339.txt", None),
    ("a2fb199f686e57bb870e.txt", None),
    ("12345.txt", None),
])
def test_readable_name(name, title):
    assert readable_name(name) == title


def test_a_file_without_a_headline_or_a_readable_name_is_titled_by_its_lead_and_says_so():
    title, body, generated = text_title(LEAD + "\n\nRepairs could take weeks.", "/news/a2fb199f686e57bb870e.txt")
    assert generated and title == LEAD.rstrip(".") and body.startswith(LEAD)
    title, _, generated = text_title(LEAD, "/news/harbour-bridge-closed.txt")
    assert (title, generated) == ("Harbour bridge closed", True)
    title, _, generated = text_title("Harbour Bridge Closed\n\n" + LEAD, "/news/x.txt")
    assert (title, generated) == ("Harbour Bridge Closed", False)


@pytest.mark.parametrize("lead, title", [
    # the period of an abbreviation ending the lead is the abbreviation's too: it stays
    ("Ferry workers walked out on Monday at the port of Washington, D.C.", "Ferry workers walked out on Monday at the port of Washington, D.C."),
    ("The council voted to close the old mill in Little Rock, Ark.", "The council voted to close the old mill in Little Rock, Ark."),
    ("Crews rescued two climbers stranded on Mt. Tarro.", "Crews rescued two climbers stranded on Mt. Tarro"),
    ("The council voted to close the old mill.", "The council voted to close the old mill"),
])
def test_a_lead_made_the_title_keeps_an_abbreviations_period(lead, title):
    assert lead_title(lead + "\n\nRepairs could take weeks.") == title


TABLE = (("*-gazette-*.txt", "Harbour Gazette"), ("valley-courier", "Valley Courier"),
         ("northernwire.example", "Northern Wire"))


@pytest.mark.parametrize("path,url,outlet", [
    ("/in/news/gazette-bridge.txt", "file:///x", None),
    ("/in/news/harbour-gazette-bridge.txt", "file:///x", "Harbour Gazette"),
    ("/in/valley-courier/bridge.txt", "file:///x", "Valley Courier"),
    ("/in/valley-courier/2026/bridge.txt", "file:///x", "Valley Courier"),
    ("/in/x/bridge.txt", "https://northernwire.example/a", "Northern Wire"),
    ("/in/x/bridge.txt", "https://www.news.northernwire.example/a", "Northern Wire"),
    ("/in/x/bridge.txt", "https://othernorthernwire.example/a", None),
])
def test_outlets_table(path, url, outlet):
    assert table_outlet(path, url, TABLE) == outlet


def _article(outlet, url="file:///in/x/a.txt", path="/in/x/a.txt"):
    return Article(id=0, url=url, title="t", outlet=outlet, published=None, body="b", path=path)


@pytest.mark.parametrize("outlet,url,path,expected", [
    ("Harbour Gazette", "https://northernwire.example/a", "/in/x/a.txt", "Harbour Gazette"),  # the article's own word
    (None, "https://northernwire.example/a", "/in/x/a.txt", "Northern Wire"),  # the table
    ("northernwire.example", "https://northernwire.example/a", "/in/x/a.txt", "Northern Wire"),  # a host is no name
    (None, "https://www.tidewater.example/a", "/in/x/a.txt", "tidewater.example"),  # the domain
    (None, "file:///in/x/a.txt", "/in/x/a.txt", None),  # nothing known
    (None, "file:///in/valley-courier/a.txt", "/in/valley-courier/a.txt", "Valley Courier"),
])
def test_with_outlet(outlet, url, path, expected):
    assert with_outlet(_article(outlet, url, path), Config(outlets=TABLE)).outlet == expected


def test_outlets_table_in_digest_toml(tmp_path: Path):
    (tmp_path / "digest.toml").write_text('[outlets]\n"valley-courier" = "Valley Courier"\n"hg-*.txt" = "Harbour Gazette"\n')
    config = load_config(tmp_path / "digest.toml", environ={})
    assert config.outlets == (("valley-courier", "Valley Courier"), ("hg-*.txt", "Harbour Gazette"))
    (tmp_path / "valley-courier").mkdir()
    (tmp_path / "valley-courier" / "bridge.txt").write_text("Bridge Shut As Cracks Spread\n\n" + LEAD + "\n")
    (tmp_path / "hg-bridge.txt").write_text("Ferries ran every ten minutes while the bridge stayed shut, the port said on Friday.\n")
    articles = ingest([str(tmp_path)], config).articles
    assert sorted((a.outlet, a.title) for a in articles) == [
        ("Harbour Gazette", "Hg bridge"), ("Valley Courier", "Bridge Shut As Cracks Spread")]


def test_outlets_table_must_be_a_table(tmp_path: Path):
    from digest.errors import ConfigError

    (tmp_path / "digest.toml").write_text('outlets = ["x"]\n')
    with pytest.raises(ConfigError, match="outlets: expected a table of names"):
        load_config(tmp_path / "digest.toml", environ={})


@pytest.mark.parametrize("body,title", [
    # no sentence will do (a cut teaser, a dateline, a link): the first words of the first paragraph that is no boilerplate
    ("...to the harbour three nights in a row, and insisted on joining the crew at the quay before dawn",
     "to the harbour three nights in a row, and insisted on joining the crew …"),
    ("Published on Aug 11, 2026\n\nHelp the harbour: http://example.org/h", "Help the harbour: http://example.org/h"),
])
def test_a_file_with_no_usable_sentence_is_titled_by_its_first_words(body, title):
    assert text_title(body, "/news/00.txt") == (title, body, True)
