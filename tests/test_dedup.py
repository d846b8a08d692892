"""Behaviour of the dedup stage: provenance, conflicts, normalisation, properties."""
from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from digest.analysis import analyse, opposed, tallies
from digest.config import Config
from digest.errors import ConfigError
from digest.dedup import (
    EXACT,
    FEATURES,
    FUZZY_COEF,
    FUZZY_INTERCEPT,
    NEAR_DUPLICATE,
    PARAPHRASE,
    SUBSUMED,
    Deduplication,
    Match,
    candidate_pairs,
    comparable,
    conflicts,
    decide,
    make_scorer,
    near_copy_pairs,
    near_duplicates,
    pair_features,
    partial_floor,
    verify,
)
from digest.models import Difference, Sentence

CONFIG = Config()


def sentences(*rows: tuple[int, str]) -> list[Sentence]:
    """(article, text) rows -> Sentences numbered by position within each article."""
    seen: dict[int, int] = {}
    out = []
    for article, text in rows:
        position = seen.get(article, 0)
        seen[article] = position + 1
        out.append(Sentence(text=text, article=article, paragraph=0, position=position))
    return out


def exact_score(a, b) -> float:
    """The fuzzy scorer's score of one pair, every feature computed."""
    z = FUZZY_INTERCEPT + pair_features([a], [b])[0] @ np.array(FUZZY_COEF)
    return float(100 / (1 + np.exp(-z)))


def match(a: str, b: str, config: Config = CONFIG) -> Match:
    """What the merge rule says of two sentences, scored exactly."""
    x, y = analyse(a), analyse(b)
    return decide(x, y, exact_score(x, y), config.dedup_threshold)


def fact_of(result: Deduplication, text: str):
    found = [f for f in result.facts if any(m.text == text for m in f.members)]
    assert len(found) == 1, f"{text!r} is in {len(found)} facts"
    return found[0]


# ------------------------------------------------------------------ provenance


def test_paraphrases_merge_into_one_fact_with_every_source():
    result = near_duplicates(sentences(
        (0, "The Senate passed the infrastructure bill on Tuesday by a wide margin."),
        (1, "On Tuesday, the Senate passed the infrastructure bill by a wide margin."),
        (2, "The senate passed the infrastructure bill by a wide margin on Tuesday"),
        (3, "Stocks fell sharply in Tokyo after the central bank held rates."),
    ), CONFIG)
    fact = fact_of(result, "The Senate passed the infrastructure bill on Tuesday by a wide margin.")
    assert fact.sources == (0, 1, 2)
    assert fact.partial == ()
    assert len(result.facts) == 2
    assert {m.rule for m in result.merges} <= {NEAR_DUPLICATE, PARAPHRASE}


def test_subsumed_sentence_credits_its_article_as_partial_only():
    long = "The Senate passed the infrastructure bill on Tuesday after a week of debate over funding."
    short = "The Senate passed the infrastructure bill."
    result = near_duplicates(sentences((0, long), (1, short)), CONFIG)
    (fact,) = result.facts
    assert fact.text == long
    assert fact.sources == (0,)
    assert fact.partial == (1,)
    (merge,) = result.merges
    assert (merge.dropped.text, merge.kept.text, merge.rule) == (short, long, SUBSUMED)


def test_near_duplicate_missing_a_number_of_the_kept_wording_is_partial():
    wire = "The regional council approved a 62 million crown water budget on Thursday, with 16 votes in favour."
    paper = "The regional council approved a 62 million crown water budget on Thursday after a long debate."
    result = near_duplicates(sentences((0, wire), (1, paper)), CONFIG)
    (fact,) = result.facts
    kept, other = (0, 1) if fact.text == wire else (1, 0)
    assert fact.sources == (kept,) and fact.partial == (other,)  # nobody is credited with the other's detail


def test_partial_article_that_also_carries_the_full_statement_is_a_source():
    long = "The Senate passed the infrastructure bill on Tuesday after a week of debate over funding."
    result = near_duplicates(sentences(
        (0, long), (1, "The Senate passed the infrastructure bill."), (2, "Short unrelated weather note about rain."),
        (2, "The Senate passed the infrastructure bill."), (1, long.replace("Tuesday", "Tuesday,")),
    ), CONFIG)
    fact = fact_of(result, long)
    assert fact.sources == (0, 1)
    assert 1 not in fact.partial and set(fact.partial) == {2}


_VAGUE = "Finance chief Petra Saunig and lending head Dorian Kell were both sentenced to prison terms on Friday."
_TERMS = "Finance chief Petra Saunig and lending head Dorian Kell were sentenced on Friday to nine and six years in prison."


def test_a_figure_two_outlets_agree_on_is_shown_though_fewer_say_that_wording_in_full():
    result = near_duplicates(sentences(
        (0, _VAGUE), (1, _TERMS), (2, _TERMS.replace("prison", "jail")), (3, _VAGUE.replace("Friday.", "Friday, the court said.")),
    ), CONFIG)
    (fact,) = result.facts
    assert fact.text in (_TERMS, _TERMS.replace("prison", "jail"))
    assert fact.sources == (1, 2) and fact.partial == (0, 3)  # the vague outlets never said the terms


def test_a_figure_one_outlet_alone_gives_does_not_outweigh_the_shared_wording():
    result = near_duplicates(sentences(
        (0, _VAGUE), (1, _TERMS), (3, _VAGUE.replace("Friday.", "Friday, the court said.")),
    ), CONFIG)
    (fact,) = result.facts
    assert "nine" not in fact.text
    assert fact.sources == (0, 1, 3) and fact.partial == ()


def test_sharing_every_word_is_not_enough_to_be_subsumed():
    short = "It was last used in 2006 at the Winter Olympics in Italy."
    long = ("Global Rescue head Daniel Richards said Sochi was a unique environment, unlike the "
            "Winter Olympics in Turin, Italy, in 2006, when his firm last used the plan.")
    assert match(short, long).rule is None
    result = near_duplicates(sentences((0, long), (1, short)), CONFIG)
    assert len(result.facts) == 2


def test_two_different_sentences_of_one_article_never_merge():
    result = near_duplicates(sentences(
        (0, "The Senate passed the infrastructure bill on Tuesday by a wide margin."),
        (0, "On Tuesday, the Senate passed the infrastructure bill by a wide margin."),
    ), CONFIG)
    assert len(result.facts) == 2
    assert result.merges == ()


def test_repeated_text_in_one_article_collapses_as_exact():
    text = "Police said the road would stay closed until Friday."
    result = near_duplicates(sentences((4, text), (4, "Something else entirely happened."), (4, text)), CONFIG)
    fact = fact_of(result, text)
    assert fact.sources == (4,)
    assert len(fact.members) == 2
    assert [m.rule for m in result.merges] == [EXACT]


def test_one_article_cannot_enter_a_fact_twice_through_another_outlet():
    result = near_duplicates(sentences(
        (0, "The Senate passed the infrastructure bill on Tuesday by a wide margin."),
        (1, "On Tuesday, the Senate passed the infrastructure bill by a wide margin."),
        (1, "The Senate passed the infrastructure bill on Tuesday by a wide margin, officials said."),
    ), CONFIG)
    for fact in result.facts:
        articles = [m.article for m in fact.members]
        assert len(articles) == len(set(articles))


# ------------------------------------------------------------------ conflicts


@pytest.mark.parametrize(("a", "b", "difference"), [
    ("The resolution passed with 93 votes in favor and 6 against.",
     "The resolution passed with 18 votes in favor and 6 against.", "93 vs 18"),
    ("Sixteen people were killed in the blast in the capital on Monday.",
     "18 people were killed in the blast in the capital on Monday.", "16 vs 18"),
    ("The bill was signed by Governor Smith in Albany on Monday.",
     "The bill was signed by Governor Jones in Albany on Monday.", "Smith vs Jones"),
    ("The council approved a 62 million crown budget on Thursday, with 16 votes in favour and 5 against.",
     "The council approved the budget on Thursday, with 18 votes in favour and 5 against.", "16 vs 18"),
])
def test_conflicting_numbers_or_names_never_merge_and_are_reported(a, b, difference):
    result = near_duplicates(sentences((0, a), (1, b)), CONFIG)
    assert len(result.facts) == 2
    assert result.merges == ()
    (conflict,) = result.conflicts
    assert (conflict.a.text, conflict.b.text) == (a, b)
    assert [str(d) for d in conflict.differences] == [difference]


def test_a_figure_contradicts_one_other_figure_at_most():
    a = analyse("Younger patients were more likely to get radiation, 53 percent versus 48 percent.")
    b = analyse("Younger patients were more likely to get surgery, 72 percent versus 63 percent.")
    assert [str(d) for d in conflicts(a, b)] == ["48 vs 63", "53 vs 72"]
    one = analyse("Of these patients, 15 percent were younger than 50.")
    assert [str(d) for d in conflicts(a, one)] == ["48 vs 15"]


@pytest.mark.parametrize(("a", "b"), [
    ("The S&P 500 fell 1.23 percent on Friday to close the week lower.",
     "The S&P 500 fell 1.2 percent on Friday to close the week lower."),  # rounding agrees
    ("FTC Chairman Timothy Muris said the decision was clearly incorrect.",
     "FTC Chairman Tim Muris said the decision was clearly incorrect."),  # short form of a name
    ("The attacks of September 11 changed airport security for good.",
     "The attacks of Sept. 11 changed airport security for good."),
    ("Police Supt. Ellen Marsh said the officers were ambushed near the station on Sunday.",
     "Police Superintendent Ellen Marsh said the officers were ambushed near the station on Sunday."),  # a title
])
def test_different_spellings_of_one_figure_or_name_are_no_conflict(a, b):
    found = match(a, b)
    assert found.conflicts == ()
    assert found.rule in (EXACT, NEAR_DUPLICATE)


@pytest.mark.parametrize(("a", "b", "conflicting"), [
    ("The frozen holdings are worth an estimated 2.1 billion dollars, according to Compact officials.",
     "Holdings worth an estimated $2.1 billion will be blocked, according to the alliance's secretariat in Saarby.", False),
    ("A 2 million crown mortgage will cost 400 crowns more each month, according to Halvern Post calculations.",
     "A 2 million crown mortgage will cost 400 crowns more each month, according to Tolvik Courier calculations.", False),
    ("The bill was signed by Governor Smith on Monday, according to state officials.",
     "The bill was signed by Governor Jones on Monday, according to state officials.", True),
    ("According to Smith, the bill was signed in Albany on Monday.",
     "According to Jones, the bill was signed in Albany on Monday.", True),  # an opening attribution stays
])
def test_who_an_outlet_cites_for_a_statement_is_no_conflict(a, b, conflicting):
    assert bool(conflicts(analyse(a), analyse(b))) == conflicting


def test_conflicting_facts_never_share_a_fact_through_a_third_sentence():
    result = near_duplicates(sentences(
        (0, "The measure passed the Senate with 93 votes in favor on Tuesday afternoon."),
        (1, "The measure passed the Senate with 18 votes in favor on Tuesday afternoon."),
        (2, "The measure passed the Senate on Tuesday afternoon with votes in favor."),
    ), CONFIG)
    for fact in result.facts:
        texts = " ".join(m.text for m in fact.members)
        assert not ("93" in texts and "18" in texts)


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(("a", "b"), [
    ("The U.S. economy added jobs in May.", "The US economy added jobs in May."),
    ("He called it \u201cthe best deal ever\u201d on Monday.", 'He called it "the best deal ever" on Monday.'),
    ("It\u2019s the end of an era for the club.", "It's the end of an era for the club."),
    ("Ten people were hurt in the crash near Lyon.", "10 people were hurt in the crash near Lyon."),
    ("Twenty-five schools closed because of the storm.", "25 schools closed because of the storm."),
    ("The company lost $2.5 billion last year.", "The company lost $2,500,000,000 last year."),
    ("Prices rose 10% in March, the agency said!", "prices rose 10 percent in march, the agency said."),
    ("THE MAYOR RESIGNED ON FRIDAY", "The mayor resigned on Friday."),
])
def test_spelling_differences_do_not_matter(a, b):
    assert analyse(a).norm == analyse(b).norm
    assert match(a, b).rule == EXACT


@pytest.mark.parametrize(("text", "negated"), [
    ("The bank did not raise rates on Thursday.", True),
    ("The council will not meet if the mayor is absent.", True),
    ("If elected, she won't raise taxes.", True),  # the condition ends at its comma
    ("Even if it does not rain, the match will not go ahead.", True),
    ("The town has 30 days to comply; if it does not, the board will meet again.", False),
    ("The strike will go ahead if the offer is not improved.", False),
    ("Whether or not it rains, the match goes ahead.", False),
    ("The flood was no less than five times bigger.", False),
])
def test_a_negation_inside_a_condition_or_an_idiom_does_not_negate_the_statement(text, negated):
    assert analyse(text).negated is negated


@pytest.mark.parametrize(("a", "b", "opposite"), [
    ("The council did not approve the budget.", "The council approved the budget.", True),
    ("No one was hurt in the blast.", "One person was hurt in the blast.", True),
    ("The bill passed without opposition.", "The bill passed with strong opposition.", True),
    ("The building does not have surveillance cameras.", "The building is under video surveillance.", True),
    # The negation denies what the other never says.
    ("Seven people were treated for injuries, none of them life-threatening.", "Seven people were injured.", False),
    ("The database holds 41 million images of people who have never been suspected of a crime.",
     "The database contains 41 million images of faces.", False),
    ("Officials did not rule out a criminal prosecution.", "The inspectorate has begun an investigation.", False),
])
def test_only_a_negation_of_what_the_other_says_makes_two_sentences_opposite(a, b, opposite):
    x, y = analyse(a), analyse(b)
    assert opposed(x, y) is opposite and opposed(y, x) is opposite
    if opposite:
        assert match(a, b).rule is None


def test_numbers_are_digits_and_initialisms_undotted():
    found = analyse("The U.N. sent twenty-one trucks and 1,000 tents.")
    assert found.numbers == {"21", "1000"}
    assert "un" in found.norm.split()


def test_a_decade_is_a_word_not_a_count():
    # "in his 80s" is an age, never 80 of anything: "Two of them have died" does not disagree with it.
    found = analyse("A man in his 80s died in the 1990s after 30 years abroad.")
    assert found.numbers == {"30"}
    assert {"80s", "1990s"} <= set(found.tokens)


def test_a_minus_sign_is_part_of_its_figure():
    # After a space a minus sign is the figure's own; between figures it joins a tally.
    assert analyse("Overnight it fell to -5C, or −12 with the wind.").numbers == {"-5", "-12"}
    assert tallies(analyse("The court split 6-3.")) == {"6": {"3"}, "3": {"6"}}
    assert tallies(analyse("They won 3 – 1 at home.")) == {"3": {"1"}, "1": {"3"}}
    assert match("The river froze at -5 degrees.", "The river froze at 5 degrees.").conflicts


def test_a_vulgar_fraction_is_a_decimal():
    # Unicode's compatibility form spells "1½" as "11⁄2": read that way it is 11 and 2.
    found = analyse("Rates rose by 1½ points to 4¾% as ½ of the board dissented.")
    assert found.numbers == {"1.5", "4.75", "0.5"}
    assert match("The levy rose 1½ points.", "The levy rose 11 points.").conflicts


@pytest.mark.parametrize("text, pairs", [
    ("Deputies backed the bill 212-148.", {"212": {"148"}, "148": {"212"}}),
    ("The assembly voted 213 to 148.", {"213": {"148"}, "148": {"213"}}),
    ("It passed by 212 votes to 148 after a debate.", {"212": {"148"}, "148": {"212"}}),
    # Figures with words of their own between them, or a year beside a figure, are no tally.
    ("Some 40 homes were buried and 12 people are missing.", {}),
    ("On March 10, 2027, 14 people died.", {}),
    # Money, shares and scales are amounts, not counts of a vote.
    ("They hope to raise $10 million-$12 million.", {}),
    ("He proposed a $12-billion, 10-year plan.", {}),
    ("Unemployment fell from 8.7% to 8.3%.", {}),
])
def test_tallies_pair_the_two_sides_of_a_vote(text, pairs):
    assert tallies(analyse(text)) == pairs


# ------------------------------------------------------------------ scorer and explain


def test_scorer_is_swappable():
    calls = []

    class EverythingMatches:
        name, threshold, uses_vectors = "everything", 50.0, False

        def scores(self, xs, ys, cosines, partial):
            calls.append(len(xs))
            return np.full(len(xs), 100.0)

    result = near_duplicates(sentences(
        (0, "The storm knocked out power to thousands of homes."),
        (1, "Thousands of homes lost power during the storm overnight."),
    ), CONFIG, scorer=EverythingMatches())
    assert calls and len(result.facts) == 1


def test_unknown_mode_is_an_error_naming_the_choices():
    with pytest.raises(ConfigError, match="^unknown dedup mode 'magic'; choose from fuzzy, semantic$"):
        make_scorer(CONFIG.replace(dedup_mode="magic"))


def test_merges_and_conflicts_say_why_whatever_the_input_order():
    rows = sentences(
        (0, "The resolution passed with 93 votes in favor and 6 against."),
        (1, "The resolution passed with 18 votes in favor and 6 against."),
        (2, "The resolution passed with 93 votes in favor and six against."),
        (3, "The resolution passed."),
    )
    first = near_duplicates(rows, CONFIG)
    again = near_duplicates(list(reversed(rows)), CONFIG)
    assert (first.merges, first.conflicts) == (again.merges, again.conflicts)
    assert [m.rule for m in first.merges] == [EXACT]  # "six" is 6
    assert first.conflicts[0].differences == (Difference("number", ("93",), ("18",)),)


# ------------------------------------------------------------------ candidates


def synthetic_day(n_sentences: int, seed: int) -> list[Sentence]:
    """Sentences from a few hundred made-up statements, each told by 1-4 outlets with edits."""
    rng = random.Random(seed)
    common = [f"c{k}" for k in range(60)]  # frequent words that are no stop words ("police", "year")
    weights = [1 / (k + 1) for k in range(len(common))]
    rare = [f"w{k}" for k in range(5000)]

    def word() -> str:
        return rng.choices(common, weights)[0] if rng.random() < 0.35 else rng.choice(rare)

    statements = [[word() for _ in range(rng.randint(5, 18))] for _ in range(n_sentences // 3)]
    rows = []
    while len(rows) < n_sentences:
        base = rng.choice(statements)
        words = list(base)
        for _ in range(rng.randint(0, 3)):
            op = rng.random()
            if op < 0.4 and len(words) > 3:
                del words[rng.randrange(len(words))]
            elif op < 0.7:
                words.insert(rng.randrange(len(words) + 1), word())
            else:
                words[rng.randrange(len(words))] = word()
        rows.append((rng.randrange(40), " ".join(words) + "."))
    return sentences(*rows)


def test_exhaustive_candidates_are_every_pair_passing_the_gate():
    day = synthetic_day(150, seed=1)
    info = [analyse(s.text) for s in day]
    groups = [s.article for s in day]
    brute = {
        (i, j) for i, j in itertools.combinations(range(len(day)), 2)
        if groups[i] != groups[j] and comparable(info[i], info[j])
    }
    found = candidate_pairs([a.content for a in info], groups=groups, exhaustive=True)
    assert set(map(tuple, found.tolist())) == brute


def test_candidate_generation_finds_nearly_every_pair_all_pairs_would_merge():
    day = synthetic_day(1500, seed=2)
    info = [analyse(s.text) for s in day]
    contents, groups = [a.content for a in info], [s.article for s in day]

    all_pairs = candidate_pairs(contents, groups=groups, exhaustive=True)
    candidates = {tuple(p) for p in candidate_pairs(contents, groups=groups, max_df=40).tolist()}
    assert candidates <= {tuple(p) for p in all_pairs.tolist()}
    assert len(candidates) < 0.8 * len(all_pairs)  # frequent stems were really left out
    # The batch verifier decides as match() does (test_batch_scoring_decides_every_pair_as_one_at_a_time_does).
    verdicts = verify([info[i] for i in all_pairs[:, 0]], [info[j] for j in all_pairs[:, 1]], make_scorer(CONFIG))
    everything = {tuple(p) for p, m in zip(all_pairs.tolist(), verdicts) if m is not None and m.rule is not None}
    fast = everything & candidates
    assert len(everything) > 100
    assert len(fast) / len(everything) >= 0.98


def test_near_copies_are_paired_with_their_band_leader_only():
    base = "The regional council approved the new water budget on Thursday after a long debate in the chamber."
    words = base.split()
    extra = "very quite truly rather fairly really nearly almost wholly mostly partly largely deeply widely".split()
    copies = [" ".join(words[:k] + [w] + words[k:]) for k, w in enumerate(extra, 1)]  # a word added to each
    unrelated = ["Stocks fell sharply in Tokyo after the central bank held its rates steady.",
                 "The museum reopened on Sunday after a two-year renovation of its west wing."]
    info = [analyse(t) for t in [base, *copies, *unrelated]]
    rank = np.arange(len(info))
    pairs = near_copy_pairs([a.tokens for a in info], rank)
    assert {tuple(p) for p in pairs.tolist()} == {(0, k) for k in range(1, len(copies) + 1)}


def test_batch_scoring_decides_every_pair_as_one_at_a_time_does():
    day = synthetic_day(400, seed=3)
    info = [analyse(s.text) for s in day]
    pairs = candidate_pairs([a.content for a in info], groups=[s.article for s in day], exhaustive=True)
    xs, ys = [info[i] for i in pairs[:, 0]], [info[j] for j in pairs[:, 1]]
    batch = verify(xs, ys, make_scorer(CONFIG))
    alone = [decide(x, y, exact_score(x, y), CONFIG.dedup_threshold) for x, y in zip(xs, ys)]
    skipped = [m for b, m in zip(batch, alone) if b is None]
    assert skipped and len(skipped) < len(xs)
    assert all(m.rule is None and not m.conflicts for m in skipped)
    assert [(b.rule, b.conflicts, round(b.score, 9)) for b in batch if b is not None] == [
        (m.rule, m.conflicts, round(m.score, 9)) for b, m in zip(batch, alone) if b is not None]
    assert any(m.rule == NEAR_DUPLICATE for m in alone)


def test_verifying_in_chunks_decides_every_pair_as_one_batch_does(monkeypatch):
    import digest.dedup as dedup

    day = synthetic_day(300, seed=5)
    info = [analyse(s.text) for s in day]
    pairs = candidate_pairs([a.content for a in info], groups=[s.article for s in day], exhaustive=True)
    xs, ys = [info[i] for i in pairs[:, 0]], [info[j] for j in pairs[:, 1]]
    whole = verify(xs, ys, make_scorer(CONFIG))
    monkeypatch.setattr(dedup, "VERIFY_CHUNK", 7)
    chunked = verify(xs, ys, make_scorer(CONFIG))
    assert len(xs) > 10 * 7 and sum(m is not None for m in whole) > 7
    # Scores agree to rounding: BLAS sums a batch's rows in an order of its own.
    assert [None if m is None else (m.rule, m.conflicts, round(m.score, 9)) for m in chunked] == [
        None if m is None else (m.rule, m.conflicts, round(m.score, 9)) for m in whole]


# Long texts over a few letters share many characters in order: the floor is tested where
# it is least loose, on both sides of rapidfuzz's 64-character needle boundary.
texts_ = st.text(alphabet="abc de", min_size=0, max_size=200)


@settings(max_examples=300, deadline=None)
@given(texts_, texts_)
def test_partial_floor_never_exceeds_partial_ratio(a, b):
    floor = partial_floor([a], [b], np.array([fuzz.ratio(a, b) / 100]))[0]
    assert 0 <= floor <= fuzz.partial_ratio(a, b) / 100 + 1e-12


# ------------------------------------------------------------------ properties

BASES = [
    "The Senate passed the bill with 93 votes in favor on Tuesday.",
    "Police said ten people were hurt when the bridge collapsed in Genoa.",
    "The central bank held interest rates at 2.5 percent on Thursday.",
    "Shares of Acme rose 4 percent after the company beat forecasts.",
    "The mayor of Lyon resigned after a corruption inquiry.",
]
EDITS = [
    lambda s: s,
    lambda s: s.upper(),
    lambda s: s.replace(" on ", ", on ").replace(".", "!"),
    lambda s: s.rstrip(".") + ", officials said.",
    lambda s: " ".join(s.split()[:6]) + ".",
    lambda s: s.replace("93", "18").replace("ten", "eleven").replace("2.5", "2.75").replace("4", "5"),
    lambda s: s.replace("The ", "A ").replace("after", "following"),
    lambda s: s.replace("Senate", "House").replace("Lyon", "Nice").replace("Genoa", "Turin"),
]

days = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(range(len(BASES))), st.sampled_from(range(len(EDITS)))),
    min_size=0, max_size=25,
).map(lambda rows: sentences(*[(a, EDITS[e](BASES[b])) for a, b, e in rows]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days)
def test_output_is_a_partition_of_the_input_and_no_source_is_lost(day):
    result = near_duplicates(day, CONFIG)
    members = [m for f in result.facts for m in f.members]
    assert sorted(members, key=lambda s: (s.article, s.position)) == sorted(set(day), key=lambda s: (s.article, s.position))
    for fact in result.facts:
        assert fact.sentence in fact.members
        assert set(fact.sources).isdisjoint(fact.partial)
        assert set(fact.sources) | set(fact.partial) == {m.article for m in fact.members}
        assert fact.sources == tuple(sorted(fact.sources)) and fact.sentence.article in fact.sources
    assert {f.sentence for f in result.facts} <= set(day)  # a subset of the input
    assert len(result.merges) == len(members) - len(result.facts)


one_sentence_per_article = st.lists(
    st.tuples(st.sampled_from(range(len(BASES))), st.sampled_from(range(len(EDITS)))), min_size=0, max_size=25,
).map(lambda rows: sentences(*[(a, EDITS[e](BASES[b])) for a, (b, e) in enumerate(rows)]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_sentence_per_article)
def test_dedup_is_idempotent(day):
    """Deduplicating the kept sentences again changes nothing.

    Shown for days where each article has one sentence: when an article carries two
    versions of a statement, the second is kept apart only because the first is in the
    fact (never two near-duplicates of one article in a fact), which a second pass over
    the kept sentences alone cannot see: there idempotence would break a provenance rule.
    """
    once = near_duplicates(day, CONFIG)
    kept = [f.sentence for f in once.facts]
    twice = near_duplicates(kept, CONFIG)
    assert [f.sentence for f in twice.facts] == kept
    assert twice.merges == ()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(day, rng):
    shuffled = list(day)
    rng.shuffle(shuffled)
    assert near_duplicates(shuffled, CONFIG) == near_duplicates(day, CONFIG)


def test_meaning_features_add_the_cosine_and_a_capped_length_gap():
    short = analyse("Profit rose in the third quarter.")
    long = analyse("Profit rose in the third quarter, the company said on Tuesday after the markets had closed early.")
    rows = pair_features([short, short, long], [short, long, short], cosines=np.array([1.0, 0.5, 0.5]))
    assert rows.shape == (3, len(FEATURES) + 2)
    assert rows[:, -2].tolist() == [1.0, 0.5, 0.5]
    assert rows[:, -1].tolist() == [0.0, 1.0, 1.0]


# --------------------------------------------------------------------------- full sources


@pytest.mark.parametrize("statement, other, full", [
    # The same names, the rest in other words: one statement.
    ("Transport Minister Edda Varga promised that diggers would be on site by next spring.",
     "Edda Varga, the transport minister, said work would begin next spring.", True),
    # The same name, something else said of it.
    ("The Ski and Snowboard Association is paying for the additional protection.",
     "The Ski and Snowboard Association praised the scale and the location.", False),
    # No figure or name to anchor it: most of its words must be said.
    ('Scientists say they finally have "solid evidence" for a true ninth planet on the fringes of our solar system.',
     "Astronomers say they have evidence of a ninth planet in our solar system.", False),
    # The same figures and names both ways: worded apart, still one statement.
    ("The National Assembly approved the Northern Rail Act by 212 votes to 148.",
     "Lawmakers passed the Northern Rail Act 212 to 148 in the National Assembly.", True),
    # The same figures and names, but a clause the other leaves out: worded apart is not left out.
    ("The assembly approved the Harbour Bridge Bill by 301 votes to 122 after a debate that ran past midnight.",
     "The assembly approved the Harbour Bridge Bill by 301 votes to 122.", False),
    # The same name, with a clause of its own the other never wrote: left out, not worded apart.
    ('City engineer Tomas Brennick said the cracks were found during a routine inspection on Wednesday night '
     'and that the bridge would stay shut "until we are certain it is safe."',
     "Inspectors discovered the cracks on Wednesday night during a routine check, city engineer Tomas Brennick told reporters.",
     False),
    ("Inspectors discovered the cracks on Wednesday night during a routine check, city engineer Tomas Brennick told reporters.",
     'City engineer Tomas Brennick said the cracks were found during a routine inspection on Wednesday night '
     'and that the bridge would stay shut "until we are certain it is safe."', True),
    # The same figure, something else said of it.
    ("The defence ministry said 300 soldiers, along with sniffer dogs and heavy diggers, had been sent to the valley.",
     "Some 300 troops joined firefighters and volunteers at the site by midday.", False),
    # The speaker named, the quotation not given: its words are what the statement says.
    ('"It was the something new that young viewers have been wanting," said Ines Marr, an analyst with Dockside Research.',
     "Ines Marr, senior media analyst at Dockside Research, agrees.", False),
    ('"It was the something new that young viewers have been wanting," said Ines Marr, an analyst with Dockside Research.',
     'Ines Marr of Dockside Research said it was "the something new that young viewers have been wanting".', True),
])
def test_a_full_source_says_the_whole_statement(statement, other, full):
    from digest.analysis import Analyser
    from digest.dedup import says_all

    analyser = Analyser.of(CONFIG)
    assert says_all(analyser(statement), analyser(other), analyser) is full
