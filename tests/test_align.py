"""Alignment: one statement told by several outlets in their own words becomes one item that
credits, in full, exactly the outlets whose own sentence says all of it."""
from __future__ import annotations

import pytest

from digest.align import align_facts
from digest.analysis import Analyser
from digest.config import Config
from digest.models import Fact, Sentence

ANALYSER = Analyser.of(Config())


def facts(*texts: str) -> list[Fact]:
    """One fact per text, each from an article (outlet) of its own, each its article's lead."""
    out = []
    for article, text in enumerate(texts):
        s = Sentence(text=text, article=article, paragraph=0, position=0)
        out.append(Fact(sentence=s, members=(s,), sources=(article,)))
    return out


def item_saying(found: tuple[Fact, ...], word: str) -> Fact:
    [item] = [f for f in found if word in f.sentence.text]
    return item


def test_the_wording_most_outlets_say_in_full_is_shown():
    # The first wording has a clause of its own; the other two say the bare statement,
    # which the first says too: showing the bare one credits all three in full.
    found, _, _ = align_facts(facts(
        "The assembly approved the Harbour Bridge Bill by 301 votes to 122 after a debate that ran past midnight.",
        "The assembly approved the Harbour Bridge Bill by 301 votes to 122.",
        "By 301 votes to 122, the assembly approved the Harbour Bridge Bill.",
    ), ANALYSER)
    item = item_saying(found, "301")
    assert "midnight" not in item.sentence.text
    assert item.sources == (0, 1, 2)
    assert item.partial == ()


@pytest.mark.parametrize("texts, detail", [
    # Only the first gives the abstentions.
    (("The assembly approved the Harbour Bridge Bill by 301 votes to 122, with 15 members abstaining.",
      "The assembly approved the Harbour Bridge Bill by 301 votes to 122.",
      "By 301 votes to 122, the assembly approved the Harbour Bridge Bill."), "15"),
    # Only the first names the minister.
    (("Transport Minister Edda Varga said work on the 310-kilometre line would start next spring.",
      "The minister said work on the 310-kilometre line would start next spring.",
      "Work on the 310-kilometre line will start next spring, the minister said."), "Edda Varga"),
])
def test_a_figure_or_name_is_never_dropped_to_credit_more_outlets(texts, detail):
    # The wording with the detail is shown, and the others say only part of it.
    found, _, _ = align_facts(facts(*texts), ANALYSER)
    [item] = [f for f in found if texts[0] in {m.text for m in f.members}]
    assert detail in item.sentence.text
    assert item.sources == (0,)
    assert item.partial == (1, 2)


def test_an_outlet_sharing_only_the_figure_is_a_partial_source():
    # Both give 300 soldiers; only the first says who sent them with dogs and diggers.
    found, _, _ = align_facts(facts(
        "The defence ministry said 300 soldiers, along with sniffer dogs and heavy diggers, had been sent to the valley.",
        "Some 300 troops joined firefighters and volunteers at the site by midday.",
    ), ANALYSER)
    for item in found:
        assert len(item.sources) == 1
        assert set(item.sources) | set(item.partial) == {0, 1}


@pytest.mark.parametrize("texts", [
    # Opposite in sense: never one statement.
    ("The museum will reopen to visitors on 14 June after a 27-month renovation.",
     "The museum will not reopen to visitors on 14 June, despite the 27-month renovation."),
    # The same figure told differently: a conflict, never one item.
    ("Floods forced 1,200 people from their homes in the Arlen valley on Sunday.",
     "Floods forced 1,500 people from their homes in the Arlen valley on Sunday."),
])
def test_statements_that_differ_are_never_merged(texts):
    found, merges, _ = align_facts(facts(*texts), ANALYSER)
    assert merges == []
    assert all(item.sources == (k,) for k, item in enumerate(sorted(found, key=lambda f: f.sentence.article)))


def test_a_tally_told_differently_is_a_conflict_not_a_partial_source():
    # All three share 148; the third gives 213 where the others give 212. No word follows 213,
    # so only the tally says it counts what 212 counts.
    found, merges, conflicts = align_facts(facts(
        "The assembly approved the Harbour Bridge Bill by 212 votes to 148 after a long debate.",
        "Deputies backed the Harbour Bridge Bill 212-148.",
        "The assembly voted 213 to 148 on Wednesday in favour of the bridge, with 19 members abstaining.",
    ), ANALYSER)
    for item in found:
        if "212" in item.sentence.text:
            assert 2 not in (*item.sources, *item.partial)
    assert {frozenset((c.a.article, c.b.article)) for c in conflicts} >= {frozenset((0, 2)), frozenset((1, 2))}
    assert all(d.a != d.b for c in conflicts for d in c.differences)
    assert {m.dropped.article for m in merges} <= {0, 1}


@pytest.mark.parametrize("texts", [
    # Money is money: a sign says what kind of figure, not what it counts.
    ("The budget details cuts that would save $24 billion next year and $520 billion over a decade.",
     "The budget also puts forward $1.5 trillion in new taxes on families earning more than $250,000."),
    # One figure in common; the others are other measures of the bridge.
    ("The bridge is more than 1,400 feet long, 20 feet wide, and nearly 1,000 feet above the valley floor, "
     "according to the tourist office.",
     "The bridge spans more than 1,400 feet (the Skywalk in Arizona, by comparison, is only 69 feet long)."),
    # The same count at other times.
    ("Through July, 32 cases of the illness had been confirmed across the country this year.",
     "As of August, health officials had confirmed 50 cases of the illness across the country."),
    # A rounding, not a disagreement.
    ("The firm is seeking about $973,000 in legal costs from its former partner.",
     "The firm is seeking $972,814 in legal costs from its former partner, a court filing shows."),
])
def test_figures_of_different_statements_or_rounded_are_no_conflict(texts):
    _, _, conflicts = align_facts(facts(*texts), ANALYSER)
    assert conflicts == []


def test_one_statement_told_with_another_figure_is_a_conflict():
    _, merges, conflicts = align_facts(facts(
        "At least nine people were killed when a landslide tore through the mountain village of Kessick on Tuesday.",
        "At least 14 people are dead and 22 missing after a landslide hit the village of Kessick on Tuesday.",
    ), ANALYSER)
    assert merges == []
    [conflict] = conflicts
    assert [(d.a, d.b) for d in conflict.differences] == [(("9",), ("14",))]


def test_a_figure_between_the_same_words_told_differently_is_a_conflict():
    """Few words in common beside it, but the figure stands where the other's does: a count
    updated during the day ("41 officials" in the morning draft, 43 in the final text)."""
    morning = ("The resolution freezes the assets of 41 Nordmark officials, among them Defence Minister Valdis Orsk, "
               "and bars them from entering Compact territory.")
    _, _, conflicts = align_facts(facts(
        morning,
        "The final text, which grew overnight as two more names were added, freezes the assets of 43 Nordmark "
        "officials and bars them from entering any member state.",
    ), ANALYSER)
    [conflict] = conflicts
    assert [(d.a, d.b) for d in conflict.differences] == [(("41",), ("43",))]
    # Other words around the figure: other counts ("travel bans cover 43", "a category 2 storm" now /
    # "could become a category 4 storm on the five-step scale").
    for a, b in ((morning, "Travel bans cover 43 Nordmark officials and their families, a spokesman for the secretariat said."),
                 ("Irene weakened slightly to a category 2 storm as it approached the east coast on Friday.",
                  "Irene could strengthen later today and become a category 4 storm on the five-step wind scale.")):
        _, _, conflicts = align_facts(facts(a, b), ANALYSER)
        assert conflicts == [], (a, b)


def test_a_total_and_a_margin_far_apart_are_no_conflict():
    # Both count votes ("votes" follows Malin's age, 34, too), a total and a margin.
    _, _, conflicts = align_facts(facts(
        "In all, 218,340 valid votes were counted across the city's 31 wards.",
        "Malin, 34, finished 24,510 votes ahead of Pavel Strand of the People's Party, with all 31 wards counted.",
    ), ANALYSER)
    assert conflicts == []
    # ... but a toll told between the same words is one count, however far it moved.
    _, _, conflicts = align_facts(facts(
        "At least 60 people were killed in the fighting, officials said on Saturday morning.",
        "At least 265 people were killed in the fighting, the president's office said.",
    ), ANALYSER)
    [conflict] = conflicts
    assert [(d.a, d.b) for d in conflict.differences] == [(("60",), ("265",))]


def test_clock_times_told_differently_are_a_conflict():
    # Times and decimals are compared as they are, never rounded as whole numbers.
    _, _, conflicts = align_facts(facts(
        "The last polling station in the capital closed at 9:00 a.m. after 1.5 hours of delays.",
        "The last polling station in the capital closed at 9:15 a.m. after 1.5 hours of delays.",
    ), ANALYSER)
    [conflict] = conflicts
    assert len(conflict.differences) == 1


def test_a_story_of_template_lines_judges_a_bounded_number_of_pairs():
    # Hundreds of lines alike in meaning ("The mayor said 12 people came."): every line may
    # be paired with every other, so each keeps only its closest few and the pairs stay linear.
    from digest.align import MAX_NEIGHBOURS, _candidates

    texts = [f"The mayor said {7 * k + 3} people came to the hall on day {k}." for k in range(400)]
    vectors = ANALYSER.vectors(texts)
    info = [ANALYSER(t) for t in texts]
    pairs = _candidates(vectors, info, frozenset())
    assert len(pairs) <= len(texts) * MAX_NEIGHBOURS
    assert all(i < j for i, j in pairs)
    assert {i for pair in pairs for i in pair} == set(range(len(texts)))  # none left out


def test_a_few_alike_lines_are_all_paired():
    from digest.align import _candidates

    texts = ["The council approved the harbour bridge on Monday.",
             "On Monday the council approved the bridge over the harbour.",
             "Councillors backed the harbour bridge plan on Monday."]
    vectors = ANALYSER.vectors(texts)
    pairs = _candidates(vectors, [ANALYSER(t) for t in texts], frozenset())
    assert (0, 1) in pairs


def _articles(*moments):
    from datetime import datetime

    from digest.models import Article

    return [Article(id=k, url=f"https://outlet{k}.example/a", title=f"Story {k}", outlet=f"Outlet {k}",
                    published=datetime.fromisoformat(m) if m else None, body="", path=f"a{k}.md")
            for k, m in enumerate(moments)]


KESSICK = (
    "At least nine people were killed when a landslide tore through the mountain village of Kessick on Tuesday.",
    "At least 14 people are dead and 22 missing after a landslide hit the village of Kessick on Tuesday.",
)


@pytest.mark.parametrize("moments, kept", [
    # The dawn count, then the evening's: the dawn statement is the story as it stood then.
    (("2027-04-06T08:50:00+00:00", "2027-04-06T17:20:00+00:00"), {1}),
    (("2027-04-06T17:20:00+00:00", "2027-04-06T08:50:00+00:00"), {0}),
    # No time on one side, the same time, or a date without a time on the same day: both stay.
    ((None, "2027-04-06T17:20:00+00:00"), {0, 1}),
    (("2027-04-06T17:20:00+00:00", "2027-04-06T17:20:00+00:00"), {0, 1}),
    (("2027-04-06T00:00:00+00:00", "2027-04-06T17:20:00+00:00"), {0, 1}),
    (("2027-04-05T00:00:00+00:00", "2027-04-06T17:20:00+00:00"), {1}),
])
def test_a_figure_a_later_report_gives_otherwise_leaves_the_story(moments, kept):
    from digest.align import SUPERSEDED, supersede
    from digest.models import Story

    found, _, conflicts = align_facts(facts(*KESSICK), ANALYSER)
    assert conflicts
    [story], merges = supersede([Story(title="Kessick", articles=(0, 1), facts=found)], conflicts, _articles(*moments))
    assert {f.sentence.article for f in story.facts} == kept
    assert [(m.dropped.article, m.rule) for m in merges] == [(k, SUPERSEDED) for k in sorted({0, 1} - kept)]


def test_the_digest_shows_the_later_figure_and_notes_the_earlier(tmp_path):
    from digest import build_digest, load_config
    from digest.render import render

    for name, outlet, moment, text in [
        ("dawn", "Dawn Wire", "2027-04-06T08:50:00+00:00", KESSICK[0]),
        ("evening", "Evening Post", "2027-04-06T17:20:00+00:00", KESSICK[1]),
    ]:
        (tmp_path / f"{name}.md").write_text(
            f"---\ntitle: Landslide in Kessick\noutlet: {outlet}\npublished: {moment}\n"
            f"url: https://{name}.example/kessick\n---\n{text}\n", encoding="utf-8")
    digest = build_digest(load_config(flags={"inputs": [str(tmp_path)], "date": "2027-04-06"}, environ={}))
    text = " ".join(render(digest, "text").split())
    assert "At least 14 people are dead" in text
    assert "nine people were killed" not in text
    assert "outlets differ: 14 here, 9 per Dawn Wire" in text


def test_a_tally_both_state_links_small_figures():
    # 6 and 3 alone are small figures said of many things; as one tally they pin the ruling down.
    found, merges, _ = align_facts(facts(
        "The police's facial recognition database is unconstitutional, the Constitutional Court decided on Tuesday in a 6-3 judgment.",
        "The judges split six to three.",
    ), ANALYSER)
    [item] = found
    assert item.sources == (0,) and item.partial == (1,)
    assert [m.rule for m in merges] == ["part of"]


@pytest.mark.parametrize("against, linked", [(" and 32 percent against", True), ("", False)])
def test_two_small_figures_shared_pin_a_statement_down_as_a_tally_does(against, linked):
    # Cosine 0.28 here: one small figure in common ("68") needs more likeness than that.
    found, _, _ = align_facts(facts(
        f"The ballot went 68 percent in favour{against}, on a provisional turnout of 61 percent, according to"
        " figures released by the union shortly after 7 a.m.",
        "Rank-and-file staff in the RSWU, the country's biggest rail union, have voted by 68% to 32% to approve a pay"
        " agreement with Tarsel State Railways, bringing to an end a walkout that had lasted 43 days.",
    ), ANALYSER)
    ballot, vote = found
    assert (ballot.partial, vote.partial) == (((1,), (0,)) if linked else ((), ()))
    assert ballot.sources == (0,) and vote.sources == (1,)


def test_a_decimal_figure_under_ten_is_specific_enough_to_pair_facts_unlike_in_wording():
    # Cosine 0.32: only the shared "4.75%" brings the pair to be judged at all.
    found, _, _ = align_facts(facts(
        "The bank's updated projections show the policy rate peaking at 4.75% in the fourth quarter.",
        "Their forecasts also pencil in one more quarter-point increase, to 4.75 per cent, before the year is out.",
    ), ANALYSER)
    assert [(f.sources, f.partial) for f in found] == [((0,), (1,)), ((1,), (0,))]


def test_a_negation_inside_a_condition_does_not_keep_one_statement_apart():
    found, _, _ = align_facts(facts(
        "Nordmark has 30 days to withdraw its soldiers from the valley; if it does not, the Council has said it will"
        " meet again to consider a full trade embargo.",
        "The text requires Nordmark to withdraw its forces from the valley within 30 days or face further measures.",
    ), ANALYSER)
    [item] = found  # the bare requirement is part of the longer statement
    assert (item.sources, item.partial) == ((0,), (1,))


def test_a_negation_denying_a_detail_the_other_never_gives_does_not_keep_them_apart():
    found, _, _ = align_facts(facts(
        "Seven people were injured overnight, three of them firefighters, and all were treated at Brannock"
        " Community Hospital for burns or smoke inhalation.",
        "Hospital officials said seven people, including three firefighters, had been treated for injuries,"
        " none of them life-threatening.",
    ), ANALYSER)
    assert {(f.sources, f.partial) for f in found} <= {((0,), (1,)), ((1,), (0,))}


def test_a_short_wording_folded_into_a_longer_fact_still_credits_its_outlet():
    # Dedup folded outlet 1's bare statement into outlet 0's longer sentence (outlet 1 says
    # part of it); outlet 2 says that bare statement in its own words.
    long = Sentence(text="Governor Ilse Moravec, who declared a state of emergency in the morning, said the priority "
                         "was to find survivors.", article=0, paragraph=0, position=0)
    short = Sentence(text="Governor Ilse Moravec has declared a state of emergency.", article=1, paragraph=0, position=3)
    own = Sentence(text="Governor Ilse Moravec declared a state of emergency across the Upper Brenna region shortly "
                        "after 7am.", article=2, paragraph=0, position=2)
    other = Sentence(text="More rain is forecast for Thursday across the valley.", article=3, paragraph=0, position=1)
    found, _, _ = align_facts([
        Fact(sentence=long, members=(long, short), sources=(0,), partial=(1,)),
        Fact(sentence=own, members=(own,), sources=(2,)),
        Fact(sentence=other, members=(other,), sources=(3,)),
    ], ANALYSER)
    declared, folded, rain = item_saying(found, "7am"), item_saying(found, "survivors"), item_saying(found, "rain")
    assert (declared.sources, declared.partial) == ((2,), (1,))  # outlet 0's sentence is not what 2 says
    assert (folded.sources, folded.partial) == ((0,), (1, 2))
    assert (rain.sources, rain.partial) == ((3,), ())


def test_a_quotation_both_print_is_one_statement_however_each_frames_it():
    # Alike in meaning (0.69) below what sentences without a figure or name need (0.75),
    # but the same twelve words inside quote marks: one speaker, one statement.
    found, merges, _ = align_facts(facts(
        '"We will not reopen the bridge until every cable has been checked," Mayor Tove Lind told reporters on the quayside.',
        'The bridge stays shut for now: the city will "not reopen the bridge until every cable has been checked", '
        'the mayor said after touring the site.',
    ), ANALYSER)
    assert len(found) == 1 and {*found[0].sources, *found[0].partial} == {0, 1}
    assert [m.rule for m in merges] == ["part of"]


def test_quotations_of_different_words_link_nothing():
    found, _, _ = align_facts(facts(
        '"We will not reopen the bridge until every cable has been checked," Mayor Tove Lind told reporters.',
        '"We will not let the ferry run until the storm has passed," the harbour master said.',
    ), ANALYSER)
    assert len(found) == 2 and all(f.partial == () for f in found)


def test_a_figure_a_speaker_echoes_still_pins_its_statement():
    # Outlet 1 states the 14 years and a saver quoted by it echoes them: the echo is comment,
    # so 14 still pins the sentence down and the two outlets' reports of it are linked.
    s0 = Sentence(text="The former bank chief was jailed for 14 years on Friday for a fraud that sank the lender.",
                  article=0, paragraph=0, position=0)
    s1 = Sentence(text="Judge Hanne Oskar sentenced Arvid Holm to 14 years in prison.", article=1, paragraph=0, position=0)
    s2 = Sentence(text='"Fourteen years sounds a lot, but he will be out in nine," said one saver outside court.',
                  article=1, paragraph=3, position=5)
    found, _, _ = align_facts([Fact(sentence=s, members=(s,), sources=(s.article,)) for s in (s0, s1, s2)], ANALYSER)
    jailed, judge = item_saying(found, "jailed"), item_saying(found, "Judge")
    assert 1 in jailed.partial and 0 in judge.partial


APPEAL = (
    "Vellquist's lawyer Anselm Drey said the defence would file an appeal within the 30-day deadline.",
    "He will appeal, according to Anselm Drey, his lawyer.",  # cosine 0.72, under MEANING_COSINE
)


@pytest.mark.parametrize("aside, headline, linked", [
    # Each outlet names the lawyer once, and the first says all the second does.
    (None, "", True),
    # The first outlet names him again in another statement: he is what its story is about,
    # so sharing his name pins no statement down.
    ("Anselm Drey also acted for Vellquist at his bail hearing in March.", "", False),
    # So are the names of the story's headline.
    (None, "Anselm Drey to appeal Vellquist's 14-year sentence", False),
])
def test_a_name_each_outlet_gives_once_pins_a_statement_down(aside, headline, linked):
    texts = [*APPEAL, *([aside] if aside else [])]
    articles = [0, 1, 0]
    found, _, _ = align_facts([
        Fact(sentence=s, members=(s,), sources=(s.article,))
        for k, text in enumerate(texts)
        for s in [Sentence(text=text, article=articles[k], paragraph=0, position=k)]
    ], ANALYSER, headline)
    lawyer = item_saying(found, "deadline")
    assert lawyer.sources == (0,)
    assert lawyer.partial == ((1,) if linked else ())
    assert any("according to" in f.text for f in found) != linked  # joined, or an item of its own


def test_two_things_one_person_did_are_not_linked_by_the_name():
    # Each outlet names the engineer once, the cosine is 0.52, but neither says all of the other.
    found, merges, _ = align_facts(facts(
        "City engineer Tomas Brennick said repairs could take at least three weeks once the damage has been fully assessed.",
        "Inspectors discovered the cracks on Wednesday night during a routine check, city engineer Tomas Brennick told reporters.",
    ), ANALYSER)
    assert merges == []
    assert [(f.sources, f.partial) for f in found] == [((0,), ()), ((1,), ())]
