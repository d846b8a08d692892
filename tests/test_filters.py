"""include / mute / mute_outlets: what they keep, what they leave out, and --explain's account."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_DATE
from digest.cli import main
from digest.config import Config, StateConfig, load_config
from digest.errors import ConfigError, NoInputError
from digest.filters import compile_patterns
from digest.pipeline import build

BASE = Config(inputs=(str(SAMPLE),), date=SAMPLE_DATE, state=StateConfig(enabled=False))


def headlines(result) -> list[str]:
    return [s.title for s in result.digest.sections]


def texts(result) -> list[str]:
    return [i.fact.text for s in result.digest.sections for i in s.items]


def sources(result) -> set[str]:
    d = result.digest
    return {d.articles[i].outlet for s in d.sections for item in s.items for i in item.fact.sources}


@pytest.mark.parametrize(("pattern", "text", "hit"), [
    ("bridge", "The Avalen Harbour Bridge was closed", True),
    ("bridge", "Bridgeport votes", False),  # whole words
    ("coral reef", "a coral\n reef 480 metres down", True),  # across any spaces
    ("U.S.", "the U.S. Navy", True),  # literal, not a regular expression
    ("U.S.", "the UkS. Navy", False),
    ("/celebrit(y|ies)/", "Celebrities arrive", True),  # /regular expression/, case-insensitive
    ("/^Ferry/", "The ferry", False),
])
def test_words_phrases_and_regular_expressions(pattern: str, text: str, hit: bool) -> None:
    (compiled,) = compile_patterns([pattern], "mute")
    assert compiled(text) is hit


@pytest.mark.parametrize(("values", "message"), [
    (["/[unclosed/"], r"mute: '/\[unclosed/' is not a valid regular expression"),
    (["  "], "mute: an empty pattern would match everything"),
])
def test_bad_patterns_are_config_errors(values: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(BASE.replace(mute=tuple(values)))


def test_a_bad_pattern_in_digest_toml_is_exit_78_before_anything_is_written(tmp_path: Path, capsys) -> None:
    (tmp_path / "digest.toml").write_text('mute = ["/(/"]\n')
    code = main(["run", str(SAMPLE), "--config", str(tmp_path / "digest.toml"), "--no-state",
                 "--out", str(tmp_path / "out")])
    assert code == 78 and not (tmp_path / "out").exists()
    assert capsys.readouterr().err.startswith("digest: error: ")


def test_nothing_set_changes_nothing() -> None:
    result = build(BASE)
    assert result.removed == () and len(headlines(result)) == 3


def test_mute_removes_a_story_whose_headline_or_titles_match() -> None:
    plain = build(BASE)
    muted = build(BASE.replace(mute=("coral",)))
    assert [h for h in headlines(plain) if "reef" not in h.lower()] == headlines(muted)
    (story,) = [r for r in muted.removed if r.kind == "story"]
    assert story.rule == "mute: coral" and "reef" in story.text.lower() and len(story.sources) == 3
    assert not any("reef" in t.lower() for t in texts(muted))


def test_mute_removes_matching_sentences_from_any_story() -> None:
    muted = build(BASE.replace(mute=("ferry",)))
    assert not any("ferry" in t.lower() for t in texts(muted))
    gone = [r for r in muted.removed if r.kind == "sentence"]
    assert gone and all("ferry" in r.text.lower() and r.rule == "mute: ferry" for r in gone)
    assert len(headlines(muted)) == 3  # the bridge story stays, without its ferry sentences


def test_include_keeps_only_matching_stories() -> None:
    kept = build(BASE.replace(include=("/water (pipes|budget)/", "Kelsa")))
    assert len(headlines(kept)) == 2 and not any("bridge" in h.lower() for h in headlines(kept))
    (left_out,) = [r for r in kept.removed if r.kind == "story"]
    assert left_out.rule == "include: none matched" and "bridge" in left_out.text.lower()


def test_mute_outlets_by_name() -> None:
    plain = build(BASE)
    assert "Northern Wire" in sources(plain)
    muted = build(BASE.replace(mute_outlets=("northern wire",)))
    assert "Northern Wire" not in sources(muted) and {a.outlet for a in muted.digest.articles} & {"Northern Wire"} == set()
    assert len([r for r in muted.removed if r.kind == "article"]) == 3
    assert all(r.rule == "mute_outlets: Northern Wire" for r in muted.removed)


STORY = ("The Marrow Bend flood gates opened on Thursday, two weeks before the storm season, the river "
         "authority said. Engineers said the gates hold back a river two metres above its usual level.")


def test_mute_outlets_by_host_and_never_uncrediting_another_outlet(write_article) -> None:
    write_article("a.md", f"---\ntitle: Flood gates open\noutlet: Riverside Herald\nurl: https://news.riverside.example/gates\n---\n{STORY}\n")
    write_article("b.md", f"---\ntitle: Gates open early\noutlet: Hill Times\nurl: https://hill.example/gates\n---\n{STORY}\n")
    write_article("c.md", "---\ntitle: Market hall reopens\noutlet: Riverside Herald\n"
                  "url: https://www.riverside.example/market\n---\nThe market hall reopened on Friday after a "
                  "year of repairs, with forty stalls back in place.\n")
    config = BASE.replace(inputs=(str(write_article.folder),), mute_outlets=("riverside.example",))
    result = build(config)
    # The same text came from both outlets: read once, and Hill Times carried it too, so it stays,
    # crediting both; the market story was the muted host's alone.
    (kept,) = result.digest.articles
    assert kept.outlets == ("Hill Times", "Riverside Herald")
    (removed,) = result.removed
    assert (removed.kind, removed.rule, removed.text) == ("article", "mute_outlets: riverside.example",
                                                           "Market hall reopens")


def test_muting_every_outlet_is_no_input(write_article) -> None:
    write_article("a.md", f"---\ntitle: Flood gates open\noutlet: Riverside Herald\n---\n{STORY}\n")
    with pytest.raises(NoInputError, match="every article is from a muted outlet"):
        build(BASE.replace(inputs=(str(write_article.folder),), mute_outlets=("Riverside  herald",)))


def test_explain_counts_and_lists_what_the_filters_removed(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('mute = ["coral", "ferry"]\nmute_outlets = ["valley courier"]\n')
    config = load_config(tmp_path / "digest.toml")
    explain = tmp_path / "explain.json"
    assert main(["run", str(SAMPLE), "--config", str(tmp_path / "digest.toml"), "--no-state", "--date", SAMPLE_DATE,
                 "--out", str(tmp_path / "out"), "--explain", str(explain)]) == 0
    filters = json.loads(explain.read_text())["filters"]
    assert config.mute == ("coral", "ferry")
    assert filters["removed"]["article"] == 1 and filters["removed"]["story"] == 1
    assert filters["removed"]["sentence"] >= 1
    assert len(filters["decisions"]) == sum(filters["removed"].values())
    assert {d["rule"] for d in filters["decisions"]} == {"mute_outlets: Valley Courier", "mute: coral", "mute: ferry"}
