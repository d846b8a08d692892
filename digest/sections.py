"""Sections: each story's share of the word budget, its best sentences, and "In brief".

Stories come most important first. Each major story gets a section with its own budget
and ranking; the minor ones (single-article, single-outlet stories on a busy day, and
stories the budget has no room for) share one "In brief" section, one sentence each.
"""
from __future__ import annotations

import dataclasses
import math
from functools import partial
from typing import Callable, Sequence

from .analysis import Analyser
from .clean import quotable
from .config import Config
from .models import Article, Budget, Decision, Fact, Item, Ranking, Section, Story
from .rank import Ranker
from .segment import word_count

# A section needs room for one sentence: news sentences run 20-30 words.
MIN_SECTION_WORDS = 35
# With more stories than this, single-article stories are gathered into "In brief".
BRIEF_AFTER = 6
# The share of the budget kept for "In brief" when it is needed.
BRIEF_SHARE = 0.2
BRIEF_TITLE = "In brief"
# "In brief" stops when fewer words than this are left: no news sentence is shorter.
BRIEF_MIN_WORDS = 8


def share_budget(stories: Sequence[Story], config: Config) -> tuple[list[Budget | None], Budget]:
    """Each story's budget (None: the story goes to "In brief"), and the budget of "In brief".

    ``stories`` come most important first. With many stories, single-article,
    single-outlet ones are minor and go to "In brief", which keeps ``BRIEF_SHARE`` of
    the words (and one sentence, with ``config.sentences``). The others get a section each
    while there is room for ``MIN_SECTION_WORDS`` and a sentence (the rest are minor too);
    every section gets that minimum, and what remains is shared in proportion to the square
    root of the story's number of articles, so a big story gets more than a small one but
    never crowds it out. The budgets add up to at most ``config.max_words`` words and
    ``config.sentences`` sentences; a digest too short for two parts is the top story's.
    """
    many = len(stories) > BRIEF_AFTER
    major = [i for i, s in enumerate(stories) if not many or len(s.articles) > 1 or s.outlets > 1]
    words, sentences = config.max_words, config.sentences
    if not major:  # only single-article stories: "In brief" is the digest
        return [None] * len(stories), Budget(words=words, sentences=sentences)
    brief_words = round(words * BRIEF_SHARE)
    if len(major) == len(stories) and len(major) * MIN_SECTION_WORDS <= words:
        fit = len(major)  # a section for every story: no "In brief"
    else:
        fit = min(len(major), (words - brief_words) // MIN_SECTION_WORDS)
    brief = fit < len(stories)  # some stories go to "In brief"
    if sentences is not None and fit > sentences - brief:  # a sentence a section, one for "In brief"
        fit, brief = sentences - 1, True
    if fit < 1:  # no room for two parts
        fit, brief = 1, False
    major = major[:fit]
    if not brief:
        brief_words = 0
    room = words - brief_words
    weights = [_weight(stories[i]) for i in major]
    shares = [w / sum(weights) for w in weights]
    least = min(MIN_SECTION_WORDS, room // fit)
    spare = room - least * fit
    budgets: list[Budget | None] = [None] * len(stories)
    for i, share in zip(major, shares):
        n = None if sentences is None else 1 + math.floor((sentences - brief - fit) * share)
        budgets[i] = Budget(words=least + math.floor(spare * share), sentences=n)
    given = [b for b in budgets if b is not None]
    left_words = words - sum(b.words for b in given) if brief else 0
    left_sentences = None if sentences is None else sentences - sum(b.sentences for b in given) if brief else 0
    return budgets, Budget(words=left_words, sentences=left_sentences)


def _weight(story: Story) -> float:
    """A story's weight in sharing words: the square root of its number of articles."""
    return math.sqrt(len(story.articles) or 1)


def in_brief(
    stories: Sequence[Story], articles: Sequence[Article], ranker: Ranker, budget: Budget, config: Config,
    analyser: Analyser | None = None,
) -> tuple[Section, list[Decision]]:
    """One section for the minor stories: one sentence each, most important story first.

    Every article of every minor story is listed in the section's ``articles`` (an article
    belongs to exactly one section), also those of stories that got no sentence here.
    """
    items: list[Item] = []
    decisions: list[Decision] = []
    left = budget.words
    for story in stories:
        if left < BRIEF_MIN_WORDS or (budget.sentences is not None and len(items) >= budget.sentences):
            break
        if not any(word_count(f.text) <= left for f in quotable(story.facts)):
            continue  # nothing short enough: do not rank it at all
        ranking = ranker(quotable(story.facts), articles, Budget(words=left, sentences=1), config, analyser)
        decisions.extend(ranking.decisions)
        for item in ranking.chosen[:1]:
            items.append(item)
            left -= word_count(item.fact.text)
    members = tuple(sorted(i for story in stories for i in story.articles))
    return Section(title=BRIEF_TITLE, articles=members, items=tuple(items)), decisions


def handed_on(jobs: Sequence[tuple[Sequence[Fact], Sequence[Article], Budget]], rankings: Sequence[Ranking],
              weights: Sequence[float]) -> list[int]:
    """The words each story gets on top of its budget: what the stories with nothing more to
    say left unused (a story whose one article is a short notice cannot fill its share), shared
    by ``weights`` among those that left out a sentence for want of room. The budgets still add
    up to at most what they did."""
    wanting, spare = [], 0
    for (facts, _, budget), ranking in zip(jobs, rankings):
        left = budget.words - sum(word_count(i.fact.text) for i in ranking.chosen)
        chosen = {i.fact.sentence for i in ranking.chosen}
        room = budget.sentences is None or len(ranking.chosen) < budget.sentences
        wants = room and any(word_count(f.text) > left for f in facts if f.sentence not in chosen)
        wanting.append(wants)
        spare += 0 if wants else max(left, 0)
    total = sum(w for w, wants in zip(weights, wanting) if wants)
    if not total or spare < BRIEF_MIN_WORDS:
        return [0] * len(jobs)
    return [math.floor(spare * w / total) if wants else 0 for w, wants in zip(weights, wanting)]


def _cited(facts: Sequence[Fact], articles: Sequence[Article]) -> list[Article]:
    """The articles a ranker can look up for ``facts``: every source, partial source and member's."""
    ids = {a for f in facts for a in (*f.sources, *f.partial, *(m.article for m in f.members))}
    return [articles[i] for i in sorted(ids)]


def _rank_story(
    job: tuple[Sequence[Fact], Sequence[Article], Budget], ranker: Ranker, config: Config, analyser: Analyser | None = None,
) -> Ranking:
    facts, cited, budget = job
    return ranker(facts, cited, budget, config, analyser)


def _serial(fn: Callable, items: Sequence) -> list:
    return list(map(fn, items))


def lay_out(
    stories: Sequence[Story],
    articles: Sequence[Article],
    ranker: Ranker,
    config: Config,
    note: Callable[[Sequence[Item]], tuple[Item, ...]] = tuple,
    map_: Callable[[Callable, Sequence], list] | None = None,
    analyser: Analyser | None = None,
) -> tuple[tuple[Section, ...], tuple[Decision, ...]]:
    """The digest's sections, in story order with "In brief" last, and every ranking decision.

    ``note`` adds notes to a section's chosen items (updates, outlets that disagree).
    A story whose ranking chooses nothing goes to "In brief" like a minor one. ``map_``
    (``pipeline.workers``: an ordered map over processes) ranks the major stories side by
    side; each is handed only the articles its facts cite, not the day's bodies. "In brief"
    fills one shared budget story by story, so it stays in this process. Workers analyse
    their stories' sentences themselves; without ``map_`` the run's ``analyser`` is used.
    """
    sections: list[Section] = []
    decisions: list[Decision] = []
    budgets, brief_budget = share_budget(stories, config)
    major = [(story, budget) for story, budget in zip(stories, budgets) if budget is not None]
    jobs = [(quotable(story.facts), _cited(story.facts, articles), budget) for story, budget in major]
    if map_ is None:
        rank_all = partial(_serial, partial(_rank_story, ranker=ranker, config=config, analyser=analyser))
    else:
        rank_all = partial(map_, partial(_rank_story, ranker=ranker, config=config))
    done = list(rank_all(jobs))
    # The words a story leaves unused go to the stories that had more to say than their share held.
    extra = handed_on(jobs, done, [_weight(story) for story, _ in major])
    again = [k for k, words in enumerate(extra) if words]
    if again:
        redone = rank_all([(jobs[k][0], jobs[k][1], dataclasses.replace(jobs[k][2], words=jobs[k][2].words + extra[k]))
                           for k in again])
        for k, ranking in zip(again, redone):
            done[k] = ranking
    rankings = iter(done)
    minor: list[Story] = []
    for story, budget in zip(stories, budgets):
        if budget is None:
            minor.append(story)
            continue
        ranking = next(rankings)
        decisions.extend(ranking.decisions)
        items = note(ranking.chosen)
        if items:
            sections.append(Section(title=story.title, articles=story.articles, items=items))
        else:
            minor.append(story)
    if minor:
        brief, brief_decisions = in_brief(minor, articles, ranker, brief_budget, config, analyser)
        decisions.extend(brief_decisions)
        sections.append(dataclasses.replace(brief, items=note(brief.items)))
    return tuple(sections), tuple(decisions)
