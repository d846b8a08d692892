"""Ranking: tiny inline stories whose right answer is plain to a reader."""
from __future__ import annotations

import dataclasses
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.analysis import analyse
from digest.config import Config
from digest.models import Article, Fact, Item, Sentence
from digest.models import Budget
from digest.rank import RANKERS, SUMY_ALGORITHMS, get_ranker, reading_order, word_count
from digest.ranker import RankerSettings, content_signal, corroboration, digest_ranker

CONFIG = Config()


def article(i: int, outlet: str | None = None) -> Article:
    return Article(
        id=i, url=f"https://example.com/{i}", title="", outlet=outlet, published=None, body="", path=f"{i}.md"
    )


def fact(*wordings: tuple[int, int, str]) -> Fact:
    """A fact from (article, position, text) members; the first is the representative."""
    members = tuple(Sentence(text=t, article=a, paragraph=p, position=p) for a, p, t in wordings)
    return Fact(sentence=members[0], members=members, sources=tuple(sorted({m.article for m in members})))


STORY = [
    fact(
        (0, 0, "The city council approved a new budget of $4.2 million for Riverside Park on Monday."),
        (1, 0, "Riverside Park will get $4.2 million after the city council approved the budget on Monday."),
        (2, 1, "On Monday the city council approved the $4.2 million Riverside Park budget."),
    ),
    fact((0, 1, "Mayor Ana Ortiz said construction of the new playground starts in June.")),
    fact((1, 1, "Construction of the new playground will start in June, Mayor Ana Ortiz said.")),
    fact((2, 0, "Council member Tom Reyes voted against the plan, citing rising costs in 2023.")),
    fact((0, 2, "What will the park look like?")),
    fact((1, 2, "Click here to subscribe to our newsletter.")),
    fact((2, 2, "Local residents have long asked for more green space in the northern districts.")),
]
ARTICLES = [article(0, "Gazette"), article(1, "Herald"), article(2, "Tribune")]


def rank(facts=STORY, articles=ARTICLES, words=60, sentences=None, ranker=None):
    return (ranker or RANKERS["digest"])(facts, articles, Budget(words=words, sentences=sentences), CONFIG)


def texts(ranking) -> list[str]:
    return [item.fact.text for item in ranking.chosen]


def test_digest_is_the_default_algorithm():
    assert Config().algorithm == "digest"
    assert get_ranker(Config().algorithm) is RANKERS["digest"]


def test_corroborated_fact_beats_single_source_one():
    # Room for one sentence: the statement three outlets carry wins over a lone outlet's.
    chosen = texts(rank(words=20))
    assert chosen == [STORY[0].text]


def test_corroborated_fact_wins_against_a_better_placed_single_source_one():
    lone = fact((3, 0, "The city council also approved a parking budget of $1.1 million on Monday."))
    backed = fact(
        (0, 3, "The park budget passed by seven votes to two."),
        (1, 3, "The park budget passed by seven votes to two, officials said."),
    )
    chosen = texts(rank([lone, backed], [*ARTICLES, article(3, "Post")], words=15))
    assert chosen == [backed.text]


def test_two_paraphrases_are_never_both_chosen():
    ranking = rank(words=200)
    assert not (STORY[1].text in texts(ranking) and STORY[2].text in texts(ranking))
    passed = [d for d in ranking.decisions if not d.chosen and d.item.fact in (STORY[1], STORY[2])]
    assert passed and passed[0].reason.startswith("redundant with #")


@pytest.mark.parametrize("words, sentences", [(10, None), (25, None), (40, 2), (200, 1), (1000, None)])
def test_budget_is_respected(words, sentences):
    ranking = rank(words=words, sentences=sentences)
    assert sum(word_count(t) for t in texts(ranking)) <= words
    assert sentences is None or len(ranking.chosen) <= sentences


def test_filler_is_passed_over_when_there_is_news_left():
    chosen = texts(rank(words=45))
    assert STORY[4].text not in chosen  # a question
    assert STORY[5].text not in chosen  # page furniture


def test_chosen_items_come_in_reading_order():
    ranking = rank(words=200)
    assert len(ranking.chosen) >= 3
    assert ranking.chosen == reading_order(ranking.chosen, STORY)


def test_the_best_lead_opens_the_story_whatever_its_article():
    ranked = [
        Item(fact=fact((2, 1, "Officials said the bridge will reopen on Friday.")), score=3.0),
        Item(fact=fact((1, 0, "The Harbour Bridge closed on Tuesday after engineers found a crack.")), score=2.0),
        Item(fact=fact((0, 0, "Commuters faced long queues at the ferry terminal.")), score=1.0),
    ]
    unchosen = fact((2, 0, "The bridge carries 40,000 cars a day."))
    shown = [i.fact.text for i in reading_order(ranked, [unchosen, *(i.fact for i in ranked)])]
    # leads first, the better ranked of them first; then the second sentences
    assert shown == [ranked[1].fact.text, ranked[2].fact.text, ranked[0].fact.text]


def test_a_story_does_not_open_on_a_pronoun_or_a_question_when_another_item_can_open_it():
    ranked = [
        Item(fact=fact((0, 0, "He faces charges from federal prosecutors in two states.")), score=3.0),
        Item(fact=fact((1, 1, "Police said Daniel Mercer was arrested at a motel near the border.")), score=2.0),
        Item(fact=fact((1, 2, "“She was bleeding badly,” a neighbour said.")), score=1.0),
    ]
    shown = [i.fact.text for i in reading_order(ranked, [i.fact for i in ranked])]
    # The lead moves to second place only; the rest keep their reading order.
    assert shown == [ranked[1].fact.text, ranked[0].fact.text, ranked[2].fact.text]
    only_pronouns = [ranked[0], ranked[2]]
    assert reading_order(only_pronouns, [i.fact for i in only_pronouns]) == tuple(only_pronouns)
    question = Item(fact=fact((0, 0, "Thinking of remodelling your bathroom?")), score=3.0)
    assert reading_order([question, ranked[1]], [question.fact, ranked[1].fact])[0] is ranked[1]
    # A capitalised word that merely starts with a pronoun's letters is a name.
    named = [Item(fact=fact((0, 0, "Hermann Ost resigned on Monday.")), score=2.0), ranked[1]]
    assert reading_order(named, [i.fact for i in named])[0] is named[0]


def test_a_sentence_a_chosen_one_says_in_full_is_not_chosen_too():
    story = [
        fact((0, 0, "One in seven colon and rectal cancers in Tarsel is now diagnosed in patients younger than 50, "
                    "the age at which screening starts, a new study finds."),
             (2, 0, "One in seven colon and rectal cancers in Tarsel is now diagnosed in patients younger than 50, "
                    "the age at which screening starts, the study finds.")),
        fact((1, 2, "One in seven colon cancer patients is under 50.")),
        fact((1, 1, "The researchers studied registry data on 258,000 patients from 1998 to 2011.")),
    ]
    # Wording and meaning bounds out of the way: saying all of it is enough.
    ranking = rank(facts=story, words=200, ranker=digest_ranker(RankerSettings(redundancy=100.0, meaning_redundancy=1.0)))
    assert texts(ranking) == [story[0].text, story[2].text]
    reasons = {d.item.fact.text: d.reason for d in ranking.decisions if not d.chosen}
    assert reasons[story[1].text] == "said in full by #1"


def test_a_lead_below_page_furniture_is_still_a_lead():
    # Article 1's first three lines (positions 0-2) were dropped as furniture: position 3 is its lead.
    story = [
        fact((0, 0, "The city council approved a new budget of $4.2 million for Riverside Park on Monday.")),
        fact((0, 1, "Mayor Ana Ortiz said construction of the new playground starts in June.")),
        fact((1, 3, "Council member Tom Reyes voted against the park budget, citing rising costs.")),
        fact((1, 4, "Local residents have long asked for more green space in the northern districts.")),
    ]
    ranking = rank(facts=story, articles=ARTICLES[:2], words=200)
    shown = texts(ranking)
    assert set(shown[:2]) == {story[0].text, story[2].text} and set(shown[2:]) == {story[1].text, story[3].text}
    scores = {d.item.fact.text: dict(d.item.components)["position"] for d in ranking.decisions}
    assert scores[story[2].text] == scores[story[0].text] > scores[story[1].text]


def test_same_input_same_output_whatever_the_input_order():
    first = rank(words=45)
    assert rank(words=45) == first
    shuffled = list(STORY)
    random.Random(7).shuffle(shuffled)
    assert rank(shuffled, words=45).chosen == first.chosen


def test_decisions_explain_chosen_and_passed_over():
    ranking = rank(words=45)
    chosen = [d for d in ranking.decisions if d.chosen]
    assert {d.item for d in chosen} == set(ranking.chosen)
    assert all(d.reason.startswith("chosen #") for d in chosen)
    assert any(not d.chosen and "does not fit budget" in d.reason for d in ranking.decisions)
    names = dict(ranking.chosen[0].components)
    assert {"corroboration", "centrality", "position", "content"} <= set(names)


def test_no_facts_no_choice():
    assert rank([], words=100).chosen == ()


@pytest.mark.parametrize("name", SUMY_ALGORITHMS)
def test_every_sumy_algorithm_still_ranks(name):
    ranking = rank(words=40, ranker=RANKERS[name])
    assert 1 <= len(ranking.chosen) and sum(word_count(t) for t in texts(ranking)) <= 40


@pytest.mark.parametrize("signal", ["corroboration", "centrality", "position", "content", "coverage"])
def test_each_signal_can_be_switched_off(signal):
    ranker = digest_ranker(dataclasses.replace(RankerSettings(), **{signal: 0.0}))
    assert rank(words=45, ranker=ranker).chosen


def test_wire_copies_count_less_than_independent_reports():
    articles = {i: article(i) for i in range(3)}
    copied = fact((0, 0, "Shares fell 5% on Friday."), (1, 0, "Shares fell 5% on Friday."))
    reported = fact((0, 0, "Shares fell 5% on Friday."), (1, 0, "On Friday, shares dropped 5%."))
    assert 1.0 < corroboration(copied, articles, 0.25, 0.5) < corroboration(reported, articles, 0.25, 0.5) == 2.0


def test_one_outlet_counts_once():
    articles = {0: article(0, "Herald"), 1: article(1, "herald "), 2: article(2, "Gazette")}
    same_outlet = fact((0, 0, "Shares fell 5% on Friday."), (1, 0, "On Friday, shares dropped 5%."))
    two_outlets = fact((0, 0, "Shares fell 5% on Friday."), (2, 0, "On Friday, shares dropped 5%."))
    assert corroboration(same_outlet, articles, 0.25, 0.5) == 1.0
    assert corroboration(two_outlets, articles, 0.25, 0.5) == 2.0


@pytest.mark.parametrize(
    "filler_text, news_text",
    [
        ("What does this mean for you?", "The bank raised its rate to 4.5% on Tuesday in London."),
        ("Click here to subscribe to our newsletter.", "The bank raised its rate to 4.5% on Tuesday in London."),
        ("I think this is a good idea for all of us.", "The Senate passed the bill 52 to 48 on Thursday."),
        ("Read it.", "The Senate passed the bill 52 to 48 on Thursday."),
    ],
)
def test_content_prefers_concrete_news_to_filler(filler_text, news_text):
    detail_f, filler_f = content_signal(filler_text, analyse(filler_text))
    detail_n, filler_n = content_signal(news_text, analyse(news_text))
    assert detail_f * filler_f < detail_n * filler_n and filler_f < filler_n


@settings(max_examples=40, deadline=None)
@given(words=st.integers(min_value=0, max_value=120), sentences=st.none() | st.integers(min_value=0, max_value=5))
def test_any_budget_is_respected(words, sentences):
    ranking = rank(words=words, sentences=sentences)
    assert sum(word_count(t) for t in texts(ranking)) <= words
    assert sentences is None or len(ranking.chosen) <= sentences


def test_ranker_module_imports_on_its_own():
    # rank.py registers the default ranker, so importing digest.ranker first must not be circular.
    done = subprocess.run([sys.executable, "-c", "import digest.ranker"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_an_outlet_saying_part_of_a_fact_corroborates_it_less_than_a_full_source():
    articles = {i: article(i, name) for i, name in enumerate(["Herald", "Gazette", "Courier"])}
    lone = fact((0, 0, "Shares fell 5% on Friday after the bank's warning."))
    in_part = dataclasses.replace(lone, partial=(1,))
    in_full = fact((0, 0, "Shares fell 5% on Friday after the bank's warning."),
                   (1, 0, "On Friday, after the bank's warning, shares dropped 5%."))
    scores = [corroboration(f, articles, 0.25, 0.5) for f in (lone, in_part, in_full)]
    assert scores[0] < scores[1] < scores[2]


def test_a_specific_figure_already_chosen_is_not_stated_again():
    # Two outlets give the size of the database in sentences too different for TF-IDF or
    # meaning to call them one; the reader would still read "41 million images" twice.
    story = [
        fact((0, 0, "The database contains 41 million images of faces, the court heard on Tuesday.")),
        fact((1, 3, "It holds 41 million images, many taken from driving licence and passport records.")),
        fact((1, 4, "Judges ruled that the police must delete photographs of people never charged.")),
        fact((0, 5, "The Interior Minister said his officials would study the judgment closely.")),
    ]
    ranking = rank(facts=story, articles=ARTICLES[:2], words=200)
    shown = texts(ranking)
    assert sum("41 million images" in t for t in shown) == 1
    assert story[2].text in shown and story[3].text in shown
    passed = [d for d in ranking.decisions if not d.chosen and "41 million images" in d.item.fact.text]
    assert passed and passed[0].reason.startswith("redundant with")


def test_a_shared_year_or_a_figure_of_another_thing_is_no_repeat():
    story = [
        fact((0, 0, "The bridge, which opened in 1978, carries 41,000 vehicles on an average weekday.")),
        fact((1, 1, "Its last major repair, in 1978 as well, cost 41,000 crowns at the time.")),
    ]
    assert len(rank(facts=story, articles=ARTICLES[:2], words=200).chosen) == 2


def rank_with(settings, facts, sentences):
    ranking = digest_ranker(settings)(facts, ARTICLES, Budget(words=200, sentences=sentences), CONFIG)
    return texts(ranking)[0]


def test_names_and_figures_are_concepts_of_full_worth_plain_words_of_less():
    from digest.ranker import concept_terms

    content, concepts, details = concept_terms(analyse("Mayor Ana Ortiz opened 12 new parks in Halvern."))
    assert {"ana", "ortiz", "halvern", "12"} <= details and not details & {"open", "park", "new"}
    assert set(details) <= set(concepts) and set(content) <= set(concepts)
    # Other outlets repeat the plain words of one line and the names and figure of another:
    # with plain words worth nothing, the line whose names and figure they repeat is chosen.
    story = [
        fact((0, 0, "Residents welcomed the opening of new green parks across the city this spring.")),
        fact((0, 1, "Ana Ortiz pledged 4,500 trees for Halvern.")),
        fact((1, 0, "Residents across the city welcomed new green parks opening this spring, officials said.")),
        fact((2, 0, "New green parks are opening across the city this spring, to residents' delight.")),
        fact((1, 1, "The 4,500 trees promised by Ana Ortiz will be planted in Halvern by March.")),
        fact((2, 1, "Halvern will receive 4,500 trees, Ana Ortiz told reporters on Friday.")),
    ]
    first = {w: rank_with(RankerSettings(word_concepts=w), story, sentences=1) for w in (0.0, 1.0)}
    assert first[0.0] != first[1.0] and "4,500" in first[0.0]


def test_a_fact_adding_nothing_new_or_concrete_is_passed_over():
    # Once the fire service's count is chosen, "Dozens of houses were destroyed." repeats it with
    # nothing concrete, in words too few for TF-IDF or meaning to call it a repeat; the lone
    # outlet's figure ("11 hours") adds no corroborated concept either but is a detail, so it stays.
    story = [
        fact(
            (0, 0, "More than 40 houses were destroyed in the landslide at Kessick, the fire service said."),
            (1, 0, "The fire service said more than 40 houses were destroyed in the Kessick landslide."),
        ),
        fact((2, 3, "Dozens of houses were destroyed.")),
        fact((2, 4, "The search went on through the night for 11 hours.")),
    ]
    ranking = rank(facts=story, words=200)
    assert texts(ranking) == [story[0].text, story[2].text]
    [passed] = [d for d in ranking.decisions if not d.chosen]
    assert passed.item.fact is story[1] and passed.reason.startswith("nothing new")


@pytest.mark.parametrize("quote, chosen", [
    ('"Our members fought for this and won."', False),  # a short quotation alone: whose words?
    ('"Our members fought for this and won," union leader Ilse Brandvik said.', True),
    ('"Our members fought for this deal for six weeks, and in the end they won it."', True),  # a statement
])
def test_a_short_quotation_is_chosen_only_with_its_speaker(quote, chosen):
    story = [
        fact((0, 0, "Rail workers accepted a pay deal on Monday, ending a 43-day strike."),
             (1, 0, "Rail workers accepted a pay deal on Monday, ending a 43-day strike.")),
        fact((0, 1, quote), (1, 1, quote)),
    ]
    ranking = rank(facts=story, words=200)
    assert (quote in texts(ranking)) == chosen
    if not chosen:
        reasons = {d.item.fact.text: d.reason for d in ranking.decisions}
        assert reasons[quote].startswith("a short quotation alone")
