"""Real coverage: stories told by five outlets in their own words (tests/fixtures/coverage/).

Each story folder has five fictional outlets' articles, with their page furniture, and
facts.toml: the story's statements, the outlets that report each in full, in part or
with another value, and each outlet's boilerplate lines. The digest of a folder at
200 words must say each key fact once, credit every outlet that reports it, credit no
outlet with a detail it did not give, carry no boilerplate and never say one thing
twice (issue 13). Checks that today's code fails are marked xfail per story (not
strict), so the suite stays green while the lead works and an XPASS shows progress.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ sits beside the package, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks.coverage import (  # noqa: E402
    FIXTURES,
    ShownItem,
    all_stories,
    check,
    digest_json,
    load_story,
    normalise,
    says,
    sentences_of,
    shown_items,
)

STORIES = all_stories()
NAMES = [s.name for s in STORIES]

# What the digest still gets wrong, story by story (the rest are guards: no boilerplate anywhere, several outlets credited in full on face-database-ruling).
FAILING_TODAY = {
    # Two items credit two outlets in full: each other statement several outlets report comes
    # with a figure or clause of one outlet's own, so the rest say part of it (issue 13).
    "corvel-results": {"key_facts_once", "credits_every_outlet", "no_redundant_items", "multi_outlet_items"},
    # 9 of 10 key facts since stop 37: "The judgment cannot be appealed." (5 words, told three ways
    # at cosines 0.23-0.52) misses the budget's end by one word.
    "face-database-ruling": {"key_facts_once", "credits_every_outlet"},
    "kessick-landslide": {"credits_every_outlet", "multi_outlet_items"},
    "rail-vote": {"key_facts_once", "credits_every_outlet", "no_redundant_items"},
    # Written blind (stop 24): 8 of 10 key facts at 200 words (7 until stop 33); the case counts
    # change during the day, so the morning figure stands apart from the evening one.
    "orsby-legionnaires": {"key_facts_once", "credits_every_outlet"},
    # Written blind (stop 35), a rate decision and a resolution vote: 6 and 9 of 10 key facts,
    # no item crediting two outlets in full on the first; the rate's peak (4.75%), linked since
    # stop 37, loses on the budget; a morning count (41 officials) stands beside the final one (43).
    "tolvik-rates": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
    "nordmark-sanctions": {"key_facts_once", "credits_every_outlet", "no_redundant_items", "multi_outlet_items"},
    # Written blind after them (a strike's end): 7 of 10 key facts; the strike's cost, the turnout and the
    # minister's no-fare-rise pledge lose to one broadsheet's background.
    "halvern-strike": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
    # Written blind (stop 36), a wildfire and a fraud sentence: 8 and 6 of 10 key facts. The fire's
    # cause, told by three outlets in wordings 0.33-0.56 alike, and a quote lose on the budget;
    # the fraud's sum is shown in the wire's "almost 900 million", its victims and compensation lose.
    "brannock-wildfire": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
    "vessmark-fraud": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
    # Written blind (stop 37), a product recall and an election count: 8 of 10 key facts each on the
    # first run; the recall's cost (one outlet misprints it) and the regulator's advice, the
    # runner-up's concession and the winner's quote lose on the budget; two and no items crediting
    # two outlets in full.
    "pellan-recall": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
    "marrow-election": {"key_facts_once", "credits_every_outlet", "multi_outlet_items"},
}


def stories_for(requirement: str) -> list:
    return [
        pytest.param(name, id=name, marks=pytest.mark.xfail(strict=False, reason="issue 13"))
        if requirement in FAILING_TODAY.get(name, ()) else pytest.param(name, id=name)
        for name in NAMES
    ]


@pytest.fixture(scope="module")
def reports():
    """Each story's digest at 200 words, checked (built once per module)."""
    return {s.name: check(s, shown_items(digest_json(s))) for s in STORIES}


def story(name: str):
    return next(s for s in STORIES if s.name == name)


# The fixtures say what their articles say -------------------------------------------------

def test_there_are_stories_of_every_kind():
    assert {s.kind for s in STORIES} >= {"vote", "disaster", "company result", "court ruling"}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_shape(name):
    s = story(name)
    assert len(s.outlets) == 5 and len(s.articles) == 5  # five outlets, one article each
    assert len(s.key_facts) >= 8
    assert any(f.differs for f in s.facts), "one outlet gets a number rounded or wrong"
    named = {o for f in s.facts for o in f.full | f.partial | f.differs} | set(s.boilerplate)
    assert named <= set(s.outlets), named - set(s.outlets)
    for fact in s.facts:
        assert not (fact.full & fact.partial or fact.full & fact.differs or fact.partial & fact.differs), fact.id
    lengths = sorted(len(a.body.split()) for a in s.articles.values())
    assert lengths[-1] > 1.3 * lengths[0], "outlets write at different lengths"


@pytest.mark.parametrize("name", NAMES)
def test_fixture_facts_match_the_articles(name):
    """An outlet has a sentence saying the whole fact exactly when facts.toml lists it as full."""
    s = story(name)
    sentences = {o: sentences_of(a) for o, a in s.articles.items()}
    wrong = [
        (fact.id, outlet)
        for fact in s.facts
        for outlet in s.outlets
        if any(says(fact, t) for t in sentences[outlet]) != (outlet in fact.full)
    ]
    assert wrong == []


@pytest.mark.parametrize("name", NAMES)
def test_fixture_boilerplate_is_printed_as_listed(name):
    s = story(name)
    for outlet, lines in s.boilerplate.items():
        raw = Path(s.articles[outlet].path).read_text(encoding="utf-8")
        assert len(lines) >= 2, outlet
        assert [line for line in lines if line not in raw] == [], outlet


@pytest.mark.parametrize("name", NAMES)
def test_fixture_outlets_paraphrase_each_other(name):
    """No two outlets share a sentence of news (quotes of one judgment may come close)."""
    s = story(name)
    furniture = {normalise(line) for lines in s.boilerplate.values() for line in lines}
    news = {
        o: [t for t in sentences_of(a) if not any(f in normalise(t) or normalise(t) in f for f in furniture)]
        for o, a in s.articles.items()
    }
    close = [
        (a, x, b, y)
        for i, a in enumerate(s.outlets)
        for b in s.outlets[i + 1:]
        for x in news[a]
        for y in news[b]
        if fuzz.token_sort_ratio(x, y) >= 90
    ]
    assert close == []


# The instrument can fail ------------------------------------------------------------------

def test_check_catches_a_dishonest_credit():
    s = load_story(FIXTURES / "rail-vote")
    rounded = "The government puts the cost at about 4 billion crowns."
    precise = "The 4.2 billion crown project would lay 310 kilometres of new track."
    items = [
        ShownItem("s", precise, frozenset({"Meridian Post", "Capital Ledger"}), frozenset(), frozenset(), None),
        ShownItem("s", rounded, frozenset({"Capital Ledger"}), frozenset(), frozenset(), None),
    ]
    report = check(s, items)
    reasons = [(n, outlet) for n, outlet, _ in report.dishonest]
    assert (0, "Capital Ledger") in reasons  # Capital Ledger said about 4 billion, never 4.2 or 310 km
    assert (0, "Meridian Post") not in reasons
    assert report.missed  # Lakeside Herald, Northgate Times and Coastal Wire give 4.2 billion too
    assert report.covering["cost"] == [0] and report.covering["length"] == [0]


def test_check_counts_redundancy_boilerplate_and_multi_outlet_items():
    s = load_story(FIXTURES / "rail-vote")
    both = frozenset({"Meridian Post", "Lakeside Herald"})
    items = [
        ShownItem("s", "The assembly passed the measure by 212 votes to 148.", both, frozenset(), frozenset(), None),
        ShownItem("s", "Deputies backed the Northern Rail Act 212-148.", frozenset({"Capital Ledger"}),
                  frozenset(), frozenset(), None),
        ShownItem("s", "Share on WhatsApp | Share on Facebook | Copy link", frozenset({"Lakeside Herald"}),
                  frozenset(), frozenset(), None),
    ]
    report = check(s, items)
    assert report.redundant == [(0, 1, "vote-count")]
    assert report.boilerplate == [(2, "Lakeside Herald")]
    assert report.multi_outlet == [0]
    assert report.dishonest == []


# What a reader sees -----------------------------------------------------------------------

@pytest.mark.parametrize("name", stories_for("key_facts_once"))
def test_each_key_fact_is_said_once(reports, name):
    report = reports[name]
    said = {f: len(report.covering[f]) for f in report.key_ids}
    assert said == dict.fromkeys(report.key_ids, 1)


@pytest.mark.parametrize("name", stories_for("credits_every_outlet"))
def test_an_item_credits_every_outlet_that_reports_it(reports, name):
    assert reports[name].missed == []


@pytest.mark.parametrize("name", stories_for("no_dishonest_credit"))
def test_no_outlet_is_credited_with_a_detail_it_did_not_give(reports, name):
    assert reports[name].dishonest == []


@pytest.mark.parametrize("name", stories_for("no_boilerplate"))
def test_no_boilerplate_in_the_digest(reports, name):
    report = reports[name]
    assert [report.items[n].text for n, _ in report.boilerplate] == []


@pytest.mark.parametrize("name", NAMES)
def test_no_boilerplate_however_long_the_digest(name):
    """Every line of page furniture is dropped, not merely ranked below the budget."""
    s = story(name)
    report = check(s, shown_items(digest_json(s, max_words=20000)))
    assert [report.items[n].text for n, _ in report.boilerplate] == []


@pytest.mark.parametrize("name", stories_for("no_redundant_items"))
def test_no_two_items_say_the_same_thing(reports, name):
    assert reports[name].redundant == []


@pytest.mark.parametrize("name", stories_for("multi_outlet_items"))
def test_paraphrased_statements_credit_several_outlets(reports, name):
    """Five outlets tell one story: at least three items carry two or more of them as full sources."""
    assert len(reports[name].multi_outlet) >= 3
