"""The recall stage: fingerprints and screening the day's facts against what was published."""
from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import Config
from digest.analysis import analyse
from digest.models import Fact, History, Published, Sentence
from digest.recall import fingerprint, published, screen

CONFIG = Config()


def fact(text: str, article: int = 0, position: int = 0) -> Fact:
    s = Sentence(text=text, article=article, paragraph=0, position=position)
    return Fact(sentence=s, members=(s,), sources=(article,))


def earlier(text: str, day: str = "2026-11-16") -> Published:
    a = analyse(text)
    return Published(day, fingerprint(a), text, a.content, a.numbers, a.names)


def history(*texts: str) -> History:
    return History(date(2026, 11, 17), tuple(earlier(t) for t in texts))


# --------------------------------------------------------------------------- fingerprints


@pytest.mark.parametrize("a, b", [
    ("The library held 12,000 rare volumes.", "12000 rare volumes, the library held."),
    ("Ten firefighters fought the blaze.", "10 firefighters fought the blaze, he said."),
    ("The council’s vote passed.", "The council's vote passed."),
])
def test_fingerprint_survives_rewording(a, b):
    assert fingerprint(analyse(a)) == fingerprint(analyse(b))


def test_fingerprint_differs_on_numbers():
    assert fingerprint(analyse("16 votes in favour.")) != fingerprint(analyse("18 votes in favour."))


# --------------------------------------------------------------------------- screening

OLD_LIBRARY = "The library, built in 1892, held about 12,000 rare volumes."
OLD_FIRE = "Fire chief Ingrid Solberg said 40 firefighters fought the blaze for six hours."
OLD_OSEI = "Council leader Hanna Osei said the vote showed that clean water is not a question of left or right."


@pytest.mark.parametrize("new, verdict, added", [
    # the same statement, however worded: left out
    (OLD_LIBRARY, "already published", ()),
    ("About 12,000 rare volumes were held by the library, which was built in 1892.", "already published", ()),
    ("Firefighters fought the blaze for six hours, fire chief Ingrid Solberg said.", "already published", ()),
    ("The library held about 12,000 rare volumes.", "already published", ()),  # says less
    # new numbers or names: kept as an update
    ("Fire chief Ingrid Solberg said 55 firefighters fought the blaze for eight hours.", "update", ("55", "8")),
    ("Council leader Hanna Osei and her deputy Jon Berg said the vote showed that clean water is not a "
     "question of left or right.", "update", ("berg", "jon")),
    # a different person: the names disagree, so a name said on another day still counts
    ("Fire chief Hanna Osei said 40 firefighters fought the blaze for six hours.", "update", ("hanna", "osei")),
    # a new statement: not matched at all
    ("He did not say when the library might reopen.", None, ()),
    ("Police arrested a 23-year-old man on Monday.", None, ()),
])
def test_screen(new, verdict, added):
    result = screen([fact(new)], history(OLD_LIBRARY, OLD_FIRE, OLD_OSEI), CONFIG)
    if verdict is None:
        assert result.facts == (fact(new),) and not result.recalls and not result.updates
        return
    (recall,) = result.recalls
    assert recall.verdict == verdict
    assert recall.added == added
    assert (fact(new) in result.facts) == (verdict == "update")
    assert (fact(new) in result.updates) == (verdict == "update")


def test_screen_a_weekday_is_not_news():
    old = "The bridge was closed to all traffic on Thursday after inspectors found cracks."
    new = "The bridge was closed to all traffic on Friday after inspectors found cracks."
    assert screen([fact(new)], history(old), CONFIG).facts == ()


def test_screen_without_history_keeps_everything():
    facts = [fact(OLD_LIBRARY), fact(OLD_FIRE, 1)]
    assert screen(facts, None, CONFIG).facts == tuple(facts)
    assert screen(facts, History(date(2026, 11, 17)), CONFIG).facts == tuple(facts)


SENTENCES = st.lists(
    st.sampled_from([OLD_LIBRARY, OLD_FIRE, OLD_OSEI,
                     "Talks between the union and the rail operator broke down on Monday evening.",
                     "Police arrested a 23-year-old man on suspicion of arson.",
                     "Commuters were advised to work from home on both strike days.",
                     "Fire chief Ingrid Solberg said 55 firefighters fought the blaze for eight hours."]),
    min_size=0, max_size=7, unique=True,
)


@settings(max_examples=40, deadline=None)
@given(SENTENCES, SENTENCES)
def test_screen_properties(today, before):
    facts = [fact(t, i, i) for i, t in enumerate(today)]
    result = screen(facts, history(*before), CONFIG)
    # a subset, in the original order, updates among the kept
    assert list(result.facts) == [f for f in facts if f in result.facts]
    assert result.updates <= set(result.facts)
    # screening against its own record leaves nothing (a fact is never new twice)
    assert screen(facts, history(*today), CONFIG).facts == ()


def test_screen_thousands_of_facts_is_fast():
    old = [earlier(f"Item {i} of the council budget allocates {i * 7} crowns to district {i % 97}.") for i in range(3000)]
    new = [fact(f"The minister for district {i} announced {i * 3} new bus routes on road {i + 5}.", i) for i in range(1500)]
    start = time.perf_counter()
    result = screen(new, History(date(2026, 11, 17), tuple(old)), CONFIG)
    assert time.perf_counter() - start < 20
    assert len(result.facts) == 1500


def test_published_records_one_per_fingerprint():
    records = published(date(2026, 11, 16), [fact("The library held 12,000 rare volumes."),
                                              fact("12000 rare volumes, the library held.", 1),
                                              fact("Ten firefighters fought the blaze.", 2)], CONFIG)
    assert [r.text for r in records] == ["The library held 12,000 rare volumes.", "Ten firefighters fought the blaze."]
    assert all(r.date == "2026-11-16" for r in records) and "12000" in records[0].numbers
