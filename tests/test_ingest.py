import logging
from datetime import datetime, timezone

import pytest

from digest.config import Config
from digest.errors import NoInputError
from digest.ingest import ingest, markdown_to_text


def test_front_matter_fields(write_article):
    write_article("a.md", "---\ntitle: Bridge shut\nurl: https://example.org/a\noutlet: Harbour Gazette\n"
                          "published: 2026-11-20T07:45:00+00:00\n---\nThe bridge closed on Thursday.\n")
    (article,) = ingest([write_article.folder], Config()).articles
    assert (article.title, article.url, article.outlet) == ("Bridge shut", "https://example.org/a", "Harbour Gazette")
    assert article.published == datetime(2026, 11, 20, 7, 45, tzinfo=timezone.utc)
    assert article.body.strip() == "The bridge closed on Thursday."


def test_without_front_matter_headline_is_title_and_url_is_file_uri(write_article):
    path = write_article("b.txt", "Avalen Bridge Closed After Cracks Found\n\nThe bridge closed on Thursday.\n")
    (article,) = ingest([path], Config()).articles
    assert article.title == "Avalen Bridge Closed After Cracks Found"
    assert article.url == path.resolve().as_uri()
    assert article.outlet is None
    assert "Cracks Found" not in article.body


def test_date_only_published_is_midnight_utc(write_article):
    write_article("c.md", "---\npublished: 2026-11-20\n---\nA sentence of news here.\n")
    (article,) = ingest([write_article.folder], Config()).articles
    assert article.published == datetime(2026, 11, 20, tzinfo=timezone.utc)


def test_stable_order_and_ids(write_article):
    for name in ["b.txt", "a.txt", "sub/c.md"]:
        (write_article.folder / name).parent.mkdir(exist_ok=True)
        write_article(name, f"Body of {name} is a sentence.\n")
    got = ingest([write_article.folder], Config()).articles
    assert [a.path.rsplit("/", 1)[-1] for a in got] == ["a.txt", "b.txt", "c.md"]
    assert [a.id for a in got] == [0, 1, 2]


def test_latin1_fallback(write_article):
    write_article("latin.txt", "Le café a fermé ses portes à Noël après trente années.\n".encode("latin-1"))
    (article,) = ingest([write_article.folder], Config()).articles
    assert "café" in article.body and "Noël" in article.body


@pytest.mark.parametrize("name,content,reason", [
    ("binary.txt", b"\x00\x01\x02PNG\x00", "binary file"),
    ("empty.txt", b"", "empty article"),
    ("badyaml.md", b"---\ntitle: [unclosed\n---\nText here.\n", "bad front matter"),
    ("baddate.md", b"---\npublished: not a date\n---\nText here.\n", "not a date"),
])
def test_bad_file_is_skipped_with_warning_naming_it(write_article, caplog, name, content, reason):
    write_article("good.txt", "A good article with a sentence.\n")
    write_article(name, content)
    with caplog.at_level(logging.WARNING, logger="digest"):
        result = ingest([write_article.folder], Config())
    assert [a.path.rsplit("/", 1)[-1] for a in result.articles] == ["good.txt"]
    assert len(result.skipped) == 1 and name in result.skipped[0].path and reason in result.skipped[0].reason
    assert any(name in r.getMessage() for r in caplog.records)


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(NoInputError, match="no such file"):
        ingest([tmp_path / "nope"], Config())
    with pytest.raises(NoInputError, match="no article files"):
        ingest([tmp_path], Config())


def test_oversized_file_is_skipped(write_article):
    write_article("big.txt", "word " * 1000)
    write_article("ok.txt", "A small article of news.\n")
    result = ingest([write_article.folder], Config(max_file_bytes=1000))
    assert [a.path.rsplit("/", 1)[-1] for a in result.articles] == ["ok.txt"]


# (Markdown body, plain text): CommonMark as markdown-it-py reads it, markup gone, words kept.
MARKDOWN = [
    ("The budget_officer said **all** of it, _twice_, about my_page_name *today*.",
     "The budget_officer said all of it, twice, about my_page_name today."),
    ("# Bridge Reopens\n\nThe mayor <b>rushed</b> to the [site](https://example.org/site).",
     "Bridge Reopens\n\nThe mayor rushed to the site."),
    ("Crews ![a crane at dusk](crane.png) worked late.", "Crews worked late."),
    ("Fares rose &amp; fell; `tram_line` stayed.", "Fares rose & fell; tram_line stayed."),
    ("A line that wraps\nonto the next.\n\n- first item\n- second item\n\n> A quoted line.",
     "A line that wraps\nonto the next.\n\nfirst item\n\nsecond item\n\nA quoted line."),
    ("<div><p>Block one.</p><p>Block two.</p></div>", "Block one.\n\nBlock two."),
    ("Cracks <script>alert('body')</script>in two beams, <style>p {}</style>said <i>Ana</i>.", "Cracks in two beams, said Ana."),
    # issue 16: markdown-it refuses javascript: links and would print "[click](javascript:...)"
    ("[click](javascript:alert(1)) to read.", "click to read."),
    ("Tickets cost 2\\*3 crowns.", "Tickets cost 2*3 crowns."),
]


@pytest.mark.parametrize("markdown,text", MARKDOWN)
def test_markdown_becomes_plain_text(markdown, text):
    assert markdown_to_text(markdown) == text


def test_control_characters_and_terminal_escapes_never_reach_an_article(tmp_path):
    (tmp_path / "a.md").write_text(
        '---\ntitle: "Escape \x1b[31mRED\x1b[0m title"\noutlet: "Ctl\x07 News"\n---\n'
        "The mayor said the \x1b[1mnew\x1b[0m tram line opens on Monday.\x0b Trains run every six minutes.\n"
    )
    (article,) = ingest([str(tmp_path)], Config()).articles
    assert (article.title, article.outlet) == ("Escape RED title", "Ctl News")
    assert "the new tram line" in " ".join(article.body.split()) and "\x1b" not in article.body and "\x0b" not in article.body
