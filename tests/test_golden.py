"""The sample's rendered digest, compared with reviewed golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and review the diff like code.
"""
import json
import os
import re
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_DATE
from digest import build_digest, load_config
from digest.render import render

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"text": "txt", "html": "html", "md": "md", "json": "json"}


@pytest.fixture(scope="module")
def sample_digest():
    return build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_matches_golden(sample_digest, fmt):
    # file:// URLs of articles without front matter depend on where the checkout lives.
    got = render(sample_digest, fmt).replace(SAMPLE.resolve().as_uri(), "file:///INPUT")
    path = GOLDEN / f"digest-{SAMPLE_DATE}.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_markdown_puts_every_item_on_a_list_line_of_its_own(sample_digest):
    lines = render(sample_digest, "md").splitlines()
    items = [item for section in sample_digest.sections for item in section.items]
    bullets = [line for line in lines if line.startswith("- ")]
    assert len(bullets) == len(items) > len(sample_digest.sections)
    for line, item in zip(bullets, items):
        assert line.startswith(f"- {item.fact.text[:40]}")


def test_reference_markers_ascend_within_an_item(sample_digest):
    text = render(sample_digest, "text")
    runs = [[int(n) for n in re.findall(r"\d+", run)] for run in re.findall(r"(?:\[\d+\])+", text)]
    assert any(len(run) > 1 for run in runs)
    assert all(run == sorted(run) for run in runs)


@pytest.mark.parametrize("max_words", [100, 450])
def test_a_note_cites_the_article_it_names_and_sources_list_it(max_words):
    from digest.render import view

    digest = build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE, "max_words": max_words},
                                      environ={}))
    data = view(digest)
    references = {ref["n"]: ref for ref in data["references"]}
    noted = [item for section in data["sections"] for item in section["items"] if item["note"]]
    assert noted
    for item in noted:
        assert item["note_refs"] and item["note_sources"]
        for n in item["note_refs"]:
            ref = references[n]
            assert (ref["outlet"] or f"“{ref['title']}”") in item["note"]
    text = render(digest, "text")
    assert all(f"[{n}] " in text.split("Sources")[-1] for item in noted for n in item["note_refs"])


def test_a_section_with_nothing_chosen_is_not_shown_and_an_empty_day_says_so(sample_digest):
    import dataclasses

    first, *rest = sample_digest.sections
    partly = dataclasses.replace(sample_digest, sections=(first, *(dataclasses.replace(s, items=()) for s in rest)))
    for fmt in ("text", "md", "html"):
        out = render(partly, fmt)
        assert first.title in out and not any(s.title in out for s in rest if s.title != first.title), fmt
        assert "Nothing to report" not in out
    assert len(json.loads(render(partly, "json"))["sections"]) == len(sample_digest.sections)
    empty = dataclasses.replace(sample_digest, sections=tuple(dataclasses.replace(s, items=()) for s in sample_digest.sections))
    for fmt in ("text", "md", "html"):
        out = render(empty, fmt)
        assert "Nothing to report for this date." in out and "Sources" not in out, fmt


def test_an_article_two_outlets_carried_names_both_in_every_format(tmp_path):
    body = ("The tram line to Ostby opens on Monday, the transport office said. Trains will run every six "
            "minutes at peak times, and tickets cost the same as on the buses.\n")
    for name, outlet, url in (("a.md", "Valley Post", "https://valleypost.example/tram"),
                              ("b.md", "Other Post", "https://otherpost.example/tram")):
        (tmp_path / name).write_text(f"---\ntitle: Tram line opens\noutlet: {outlet}\nurl: {url}\n---\n{body}")
    digest = build_digest(load_config(flags={"inputs": [str(tmp_path)], "date": SAMPLE_DATE}, environ={}))
    for fmt in ("text", "md", "html"):
        sources = render(digest, fmt).split("Sources")[-1]
        assert "Other Post, Valley Post" in sources, fmt
    item = json.loads(render(digest, "json"))["sections"][0]["items"][0]
    assert item["sources"][0]["outlets"] == ["Other Post", "Valley Post"]
