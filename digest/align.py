"""Alignment: what different outlets of one story report in their own words, credited together.

Dedup merges near copies and close paraphrases day-wide. Outlets that rewrite each other
share few words ("More than 40 houses were destroyed" / "Officials say more than 40 homes
were buried"), so within each story this stage links the facts that report the same
statement by what pins a statement down:

* a shared figure counting the same thing (the same value; units equal or alike), with
  sentences alike in meaning (``Analyser.vectors``): a specific figure ("61,400
  vehicles", "$2.38 billion") or two shared together ("68 percent in favour and 32
  percent against" / "voted by 68% to 32%") needs less likeness than one small one
  ("14 dead");
* a quotation both print (``QUOTE_WORDS`` words in a row inside quote marks, in full or in
  part): one speaker's words, however each outlet frames them;
* a name the story's articles each give in one statement at most (``statement_names``: "his
  lawyer, Anselm Drey"), with sentences alike in meaning, one saying all of the other (a
  person does several things in one story);
* without a figure, a shared name or two shared content words and sentences very alike in
  meaning.

A linked fact whose every figure and name the other states too joins it (leader
clustering, most informative first: each fact joins the best leader it is linked to
directly, never through a chain). Of the group's wordings that state every figure and
name of the leader, the one the most articles say in full (``dedup.says_all``) is shown:
an outlet's extra clause is its own detail, not a reason to credit the others in part,
and no figure or name is lost. An outlet whose wording says all of the shown one is a
full source, any other says part of it: a partial source, never credited with the rest.
A linked fact with a detail of its own stays an item of its own, each crediting the
other's outlets as partial sources; so does a fact linked to the short wording of an
outlet that dedup folded into a longer fact (``_part_support``). Facts whose figures
disagree are never linked; they come back as conflicts, so the digest shows that outlets
differ; of a conflict whose one side was reported after every article of the other, the
earlier side leaves the story (``supersede``): it is the story as it stood then.

Work per story: only the pairs sharing a figure, or alike in meaning (cosines computed in
blocks of rows, so memory stays linear); a figure in more than ``MAX_FIGURE_FACTS`` facts
pins nothing down and pairs nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Sequence

import numpy as np

from .analysis import (
    CALENDAR_WORDS, MONTHS, QUOTE_WORDS, Analyser, is_figure, is_specific, is_year, opposed, tallies, unquoted,
)
from .config import Config
from .dedup import _rounds_to_any, carries, rounded, says_all
from .models import Analysis, Article, Conflict, Difference, Fact, Merge, Story

__all__ = ["Alignment", "align_stories", "align_facts", "linked", "disagreements", "statement_figures", "supersede",
           "PARAPHRASE", "PART", "SUPERSEDED"]

PARAPHRASE = "paraphrase"  # says the whole statement in other words
PART = "part of"  # says part of it (or it with details of its own)
SUPERSEDED = "superseded"  # a later report gives its figure otherwise

# Meaning (sentence-vector cosine) two facts need beside the figure they share: a specific
# figure (three digits or more, a decimal, money) is rarely shared by chance within a story.
SPECIFIC_FIGURE_COSINE = 0.2
SMALL_FIGURE_COSINE = 0.3  # under 100; a figure under ten pins nothing down
# Two facts whose figures disagree are one statement told differently from this much meaning,
# with at least this share of the shorter one's other content words in common.
CONFLICT_COSINE = 0.5
CONFLICT_OVERLAP = 0.5
# Facts differing in more figures than this report different things ("$24 billion in savings" /
# "$901 billion of deficit in 2013 and $575 billion in 2018").
MAX_DIFFERENCES = 2
# Two counts this many times apart, the larger 100 or more, count different things ("218,340
# valid votes were counted" / "finished 24,510 votes ahead"): a misprint, a rounding or the
# day's update ("8,500 evacuated in the morning, 12,000 by night") stays well within it,
# unless the same words follow both ("at least 60 people have been killed" / "265 people were killed").
MAX_RATIO = 3
# Without a shared figure: a name or two content words in common, and this much meaning.
MEANING_COSINE = 0.75
# Units alike: two unit words at least this close in meaning ("homes" / "houses").
UNIT_COSINE = 0.5
# A figure stated by more facts of one story than this is its subject, never an anchor.
MAX_FIGURE_FACTS = 50
# Meaning candidates of one fact: its closest this many (a story of near-identical lines
# would otherwise judge all pairs).
MAX_NEIGHBOURS = 50


@dataclass(frozen=True)
class Alignment:
    """The stage's result: the stories with their facts linked, and why (for --explain)."""

    stories: tuple[Story, ...]
    merges: tuple[Merge, ...]
    conflicts: tuple[Conflict, ...]


def align_stories(stories: Sequence[Story], config: Config, analyser: Analyser | None = None) -> Alignment:
    """Each story's facts linked across its outlets (see the module docstring).

    Args:
        stories: the day's stories, their facts as dedup left them.
        config: the run's configuration (its language and embedding).
        analyser: the run's one text analysis (one is made if omitted).
    """
    analyser = analyser or Analyser.of(config)
    out, merges, found = [], [], []
    for story in stories:
        facts, story_merges, story_conflicts = align_facts(story.facts, analyser, story.title)
        out.append(replace(story, facts=facts) if story_merges else story)
        merges.extend(story_merges)
        found.extend(story_conflicts)
    return Alignment(tuple(out), tuple(merges), tuple(found))


def align_facts(
    facts: Sequence[Fact], analyser: Analyser, headline: str = "",
) -> tuple[tuple[Fact, ...], list[Merge], list[Conflict]]:
    """One story's facts with those reporting the same statement made one; the merges and conflicts.

    ``headline``: the story's; the names it gives are what the story is about (``statement_names``).
    """
    n = len(facts)
    if n < 2:
        return tuple(facts), [], []
    vectors = analyser.vectors([f.text for f in facts])
    if vectors is None:  # no embedder: nothing to tell meaning by
        return tuple(facts), [], []
    info = [analyser(f.text) for f in facts]
    held = [frozenset((*f.sources, *f.partial)) for f in facts]
    anchors = statement_figures([analyser(unquoted(f.text)) if a.quotes and a.numbers else a for f, a in zip(facts, info)], held)
    names = statement_names(info, held).difference(analyser(headline).tokens)
    links: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    found: list[Conflict] = []
    for i, j in _candidates(vectors, info, anchors | names):
        if held[i] & held[j]:
            continue  # one article never says a thing twice as two outlets
        if opposed(info[i], info[j]):
            continue  # "is under surveillance" / "does not have cameras": alike in words, opposite in sense
        c = float(vectors[i] @ vectors[j])
        differences = disagreements(info[i], info[j], analyser)
        if differences:
            if _one_statement(info[i], info[j], c, differences, anchors):  # told differently: shown as such
                a, b = sorted((i, j), key=lambda k: _where(facts[k]))
                d = differences if a == i else tuple(x.swapped() for x in differences)
                found.append(Conflict(a=facts[a].sentence, b=facts[b].sentence, score=round(100 * c, 2), differences=d))
            continue
        if not (linked(info[i], info[j], c, analyser, anchors) or named(info[i], info[j], c, names, analyser)):
            continue
        links[i].append((j, c))
        links[j].append((i, c))
    backing = _part_support(facts, vectors, info, held, analyser, anchors, names)
    if not any(links) and not backing:
        return tuple(facts), [], found

    # Leader clustering, most informative first (then the most outlets, then reading order).
    order = sorted(range(n), key=lambda k: (-info[k].weight, -len(held[k]), _where(facts[k])))
    rank = {k: r for r, k in enumerate(order)}
    members: dict[int, list[tuple[int, float]]] = {}
    holding: dict[int, set[int]] = {}
    details: dict[int, list[int]] = {}
    for i in order:
        best = None
        for j, c in links[i]:
            # A fact joins only one that states all its figures and names: one with a detail
            # of its own stays an item of its own, linked to the other as support.
            if j not in members or held[i] & holding[j] or not carries(info[i], info[j]):
                continue
            if any(disagreements(info[i], info[k], analyser) for k in details[j]):
                continue
            key = (-c, rank[j])
            if best is None or key < best[0]:
                best = (key, j, c)
        if best is None:
            members[i], holding[i], details[i] = [], set(held[i]), [i]
        else:
            _, j, c = best
            members[j].append((i, c))
            holding[j] |= held[i]
            if all((info[k].numbers, info[k].names) != (info[i].numbers, info[i].names) for k in details[j]):
                details[j].append(i)

    leader = {i: lead for lead, joined in members.items() for i, _ in joined} | {lead: lead for lead in members}
    supported: dict[int, set[int]] = {}  # leader -> articles of linked facts kept apart
    neighbours: dict[int, set[int]] = {}  # leader -> the leaders of those facts
    for k, articles in backing.items():
        supported.setdefault(leader[k], set()).update(articles)
    for i in range(n):
        for j, _ in links[i]:
            if leader[i] != leader[j]:
                supported.setdefault(leader[i], set()).update(facts[j].sources)
                neighbours.setdefault(leader[i], set()).add(leader[j])
    out: list[Fact] = []
    merges: list[Merge] = []
    linked_to = {lead: tuple(sorted((facts[k].sentence for k in neighbours.get(lead, ())), key=_place)) for lead in members}
    for lead in sorted(members, key=lambda k: _where(facts[k])):
        fact = facts[lead]
        if not members[lead] and lead not in supported:
            out.append(fact)
            continue
        if not members[lead]:  # kept apart, credited by its linked facts' outlets
            out.append(replace(fact, partial=tuple(sorted((set(fact.partial) | supported[lead]) - set(fact.sources))),
                               linked=linked_to[lead]))
            continue
        wordings = [lead, *(i for i, _ in members[lead])]
        shown, saying = _shown(wordings, facts, info, analyser)
        full = set().union(*(facts[k].sources for k in saying))
        every = set().union(*((*facts[k].sources, *facts[k].partial) for k in wordings)) | supported.get(lead, set())
        group = [m for k in wordings for m in facts[k].members]
        kept = facts[shown].sentence
        for k in wordings:
            if k == shown:
                continue
            c = float(vectors[k] @ vectors[shown])
            rule = PARAPHRASE if k in saying else PART
            merges.append(Merge(dropped=facts[k].sentence, kept=kept, score=round(100 * c, 2), rule=rule))
        out.append(Fact(
            sentence=kept,
            members=tuple(sorted(set(group), key=_place)),
            sources=tuple(sorted(full)),
            partial=tuple(sorted(every - full)),
            linked=linked_to[lead],
        ))
    merges.sort(key=lambda m: _place(m.dropped))
    return tuple(out), merges, found


def _part_support(
    facts: Sequence[Fact], vectors: np.ndarray, info: Sequence[Analysis], held: Sequence[frozenset[int]],
    analyser: Analyser, anchors: frozenset[str], names: frozenset[str],
) -> dict[int, set[int]]:
    """Partial sources that an outlet's short wording, folded into a longer fact, brings.

    Dedup folds "Governor Moravec has declared a state of emergency." into "Governor
    Moravec, who declared a state of emergency in the morning, said ...": a third outlet's
    "Governor Moravec declared a state of emergency across the region" is the short wording's
    statement, not the long one's. Each such wording (an article the fact credits in part)
    is judged against the story's other facts as the facts are: where linked, the other fact
    credits that wording's article in part, and the longer fact, which says all of the
    wording, credits the other's outlets in part. A fact's barest such wording is judged,
    against its ``MAX_NEIGHBOURS`` closest facts: the work stays linear in the story's size.
    """
    wordings = []
    for k, f in enumerate(facts):
        folded = [m for m in f.members if m.article in f.partial and m.text != f.text]
        if folded:  # the barest: near copies of one statement would judge it again and again
            wordings.append((k, min(folded, key=lambda m: (analyser(m.text).weight, _place(m)))))
    if not wordings:
        return {}
    out: dict[int, set[int]] = {}
    own = analyser.vectors([m.text for _, m in wordings])
    for start in range(0, len(wordings), 256):
        block = own[start:start + 256] @ vectors.T
        for r, row in enumerate(block):
            k, member = wordings[start + r]
            a = analyser(member.text)
            near = np.flatnonzero(row >= SPECIFIC_FIGURE_COSINE)
            if len(near) > MAX_NEIGHBOURS:
                near = near[np.argpartition(-row[near], MAX_NEIGHBOURS)[:MAX_NEIGHBOURS]]
            for j in near.tolist():  # in any order: the credits are a union
                c = float(row[j])
                if (c < MEANING_COSINE and not a.numbers & info[j].numbers and not a.names & info[j].names & names
                        and not (a.quotes and info[j].quotes)):
                    continue  # a figure, a statement's name or a quotation in common, or this much meaning
                if j == k or held[k] & held[j] or opposed(a, info[j]):  # held[k] has member.article
                    continue
                if disagreements(a, info[j], analyser):
                    continue
                if not (linked(a, info[j], c, analyser, anchors) or named(a, info[j], c, names, analyser)):
                    continue
                out.setdefault(j, set()).add(member.article)
                out.setdefault(k, set()).update(facts[j].sources)
    return out


def _shown(
    wordings: Sequence[int], facts: Sequence[Fact], info: Sequence[Analysis], analyser: Analyser,
) -> tuple[int, set[int]]:
    """Of a group's wordings, the one shown and the wordings that say it in full (itself too).

    Only a wording stating every figure and name of the leader (the most informative) may be
    shown, so no detail a reader looks for is lost; of those, the one whose full sayers span
    the most articles, then the leader. An outlet's extra clause ("after a debate that ran
    late into the evening") is its own detail, not a reason to credit the others in part.
    """
    lead = wordings[0]
    best: tuple | None = None
    for k in wordings:
        if not carries(info[lead], info[k]):
            continue
        saying = {m for m in wordings if m == k or says_all(info[k], info[m], analyser)}
        key = (-len(set().union(*(facts[m].sources for m in saying))), k != lead, _where(facts[k]))
        if best is None or key < best[0]:
            best = (key, k, saying)
    return best[1], best[2]


def supersede(
    stories: Sequence[Story], conflicts: Sequence[Conflict], articles: Sequence[Article],
) -> tuple[tuple[Story, ...], tuple[Merge, ...]]:
    """The stories without the statements a later report of the same story gives otherwise.

    When two facts of one story disagree on a figure (a conflict) and the latest article
    stating one was published after every article stating the other, the earlier one is
    the story as it stood then ("the toll rose to nine" at dawn, "14 dead" by evening; a
    first count of 213 votes, 212 in later reports): it leaves the story, and the later
    fact's item notes that outlets differ, citing the earlier outlet. Where either side has
    no publication time, or both are as recent, both stay.
    """
    place = {m: (n, k) for n, story in enumerate(stories) for k, f in enumerate(story.facts) for m in f.members}
    latest: dict[tuple[int, int], datetime | None] = {}
    stale: dict[tuple[int, int], tuple[tuple[int, int], Conflict]] = {}
    for c in conflicts:  # each once, whatever the number of stories
        x, y = place.get(c.a), place.get(c.b)
        if x is None or y is None or x == y or x[0] != y[0]:
            continue
        for k in (x, y):
            if k not in latest:
                latest[k] = _latest(stories[k[0]].facts[k[1]], articles)
        if latest[x] is None or latest[y] is None:
            continue
        if _later(latest[y], latest[x]):
            stale.setdefault(x, (y, c))
        elif _later(latest[x], latest[y]):
            stale.setdefault(y, (x, c))
    merges = [Merge(dropped=stories[n].facts[k].sentence, kept=stories[n].facts[by].sentence, score=c.score, rule=SUPERSEDED)
              for (n, k), ((_, by), c) in stale.items()]
    touched = {n for n, _ in stale}
    out = tuple(replace(story, facts=tuple(f for k, f in enumerate(story.facts) if (n, k) not in stale))
                if n in touched else story for n, story in enumerate(stories))
    return out, tuple(sorted(merges, key=lambda m: _place(m.dropped)))


def _latest(fact: Fact, articles: Sequence[Article]) -> datetime | None:
    """When the latest article carrying ``fact`` in full was published, if every one says when."""
    moments = [articles[a].published for a in fact.sources]
    return max(moments) if moments and None not in moments else None


def _later(x: datetime, y: datetime) -> bool:
    """Whether ``x`` is after ``y``; a midnight is a date given without a time, compared by day."""
    if x.time() == time() or y.time() == time():
        return x.date() > y.date()
    return x > y


def statement_figures(info: Sequence[Analysis], held: Sequence[frozenset[int]]) -> frozenset[str]:
    """The story's figures that pin a statement down: each article states it once at most.

    A figure an article keeps coming back to is the story's own subject ("the 20-week ban",
    "the 15-year-old"), said of many of its statements, so sharing it links none of them.
    ``info`` are the facts' analyses without their quotations: a speaker echoing a figure
    ("'Fourteen years sounds a lot,' said one saver") comments on its statement, not on another.
    """
    facts: dict[str, int] = {}
    articles: dict[str, set[int]] = {}
    for a, where in zip(info, held):
        for value in a.numbers:
            facts[value] = facts.get(value, 0) + 1
            articles.setdefault(value, set()).update(where)
    return frozenset(v for v, n in facts.items() if n <= len(articles[v]))


def statement_names(info: Sequence[Analysis], held: Sequence[frozenset[int]]) -> frozenset[str]:
    """The story's names that pin a statement down: two articles or more give it, each in one
    fact at most ("his lawyer Anselm Drey said ..."); a name an article comes back to, even as a
    sentence's first word, is what its story is about, and a day or month names a time, not who
    is concerned."""
    candidates = set().union(*(a.names for a in info)) - CALENDAR_WORDS
    seen: dict[str, set[int]] = {}
    again: set[str] = set()
    for a, where in zip(info, held):
        for name in candidates.intersection(a.tokens):
            articles = seen.setdefault(name, set())
            if articles & where:
                again.add(name)
            articles.update(where)
    return frozenset(v for v, articles in seen.items() if len(articles) > 1 and v not in again)


def linked(
    a: Analysis, b: Analysis, cosine: float, analyser: Analyser, anchors: frozenset[str] | None = None,
) -> bool:
    """Whether two sentences of one story report the same statement (see the module docstring).

    ``anchors``: the story's ``statement_figures`` (by default every figure counts).
    """
    if a.quotes and b.quotes and _quoted(a) & _quoted(b):
        return True
    figures = [v for v in _shared_figures(a, b, analyser) if anchors is None or v in anchors]
    small = [v for v in figures if not _tiny(v)]
    if any(is_specific(v) for v in figures) or len(small) > 1 or _tally_pairs(a) & _tally_pairs(b):
        return cosine >= SPECIFIC_FIGURE_COSINE
    if small or len(figures) > 1:  # "seven people, three of them firefighters"
        return cosine >= SMALL_FIGURE_COSINE
    if cosine < MEANING_COSINE:
        return False
    return bool(a.names & b.names) or len(a.content & b.content) >= 2


def named(a: Analysis, b: Analysis, cosine: float, names: frozenset[str], analyser: Analyser) -> bool:
    """Whether two sentences naming one of the story's ``statement_names`` report one thing of it:
    alike in meaning, and one saying all of the other ("Anselm Drey, Vellquist's lawyer, said his
    client would appeal" / "his lawyer Anselm Drey said he would appeal"). A person does several
    things in one story ("Brennick said repairs could take three weeks" / "inspectors found the
    cracks, Brennick said": 0.52), so a name with some likeness is not enough; the likeness is
    ``CONFLICT_COSINE``'s, what two facts whose figures disagree need to be one statement."""
    if cosine < CONFLICT_COSINE or not a.names & b.names & names:
        return False
    return says_all(a, b, analyser) or says_all(b, a, analyser)


def _quoted(a: Analysis) -> set[str]:
    """Every run of ``QUOTE_WORDS`` words of ``a``'s quotations: two sentences printing one
    quotation, in full or in part, share one."""
    out = set()
    for quote in a.quotes:
        words = quote.split()
        out.update(" ".join(words[k:k + QUOTE_WORDS]) for k in range(len(words) - QUOTE_WORDS + 1))
    return out


def _one_statement(a: Analysis, b: Analysis, cosine: float, differences: Sequence[Difference], anchors: frozenset[str]) -> bool:
    """Whether two facts whose figures disagree are one statement told differently.

    One side of a tally both state, the other told differently ("voted 213 to 148" / "212
    votes to 148"), needs the likeness that side would link them by; any other pair needs
    ``CONFLICT_COSINE`` and at least ``CONFLICT_OVERLAP`` of the shorter one's other content
    words (sharing a figure is not enough: "1,400 feet long, 20 feet wide" / "1,400 feet;
    the Skywalk is 69 feet"). Facts differing in more than ``MAX_DIFFERENCES`` figures are
    different statements, each with its own figures.
    """
    if len(differences) > MAX_DIFFERENCES or all(_far_apart(a, b, d) for d in differences):
        return False
    ta, tb = tallies(a), tallies(b)
    sides = [v for v in ta.keys() & tb.keys() & anchors if ta[v] != tb[v]]
    if any(is_specific(v) for v in sides) and cosine >= SPECIFIC_FIGURE_COSINE:
        return True
    if any(not _tiny(v) for v in sides) and cosine >= SMALL_FIGURE_COSINE:
        return True
    words_a, words_b = a.content - a.numbers, b.content - b.numbers
    if cosine < CONFLICT_COSINE or not words_a or not words_b or _other_times(a, b):
        return False
    if all(_framed_alike(a, b, d) for d in differences):
        return True  # "freezes the assets of 41 Nordmark officials" / "freezes the assets of 43 Nordmark officials, ..."
    return len(words_a & words_b) >= CONFLICT_OVERLAP * min(len(words_a), len(words_b))


def _far_apart(a: Analysis, b: Analysis, difference: Difference) -> bool:
    """Whether the two figures of ``difference`` are ``MAX_RATIO`` times apart, the larger 100 or more."""
    sides = _sides(a, b, difference)
    if sides is None:
        return False
    (x, (_, after_x)), (y, (_, after_y)) = sides
    numbers = sorted(abs(_numeric(v)[0]) for v in (x, y))
    if numbers[1] == float("inf") or (after_x == after_y and len(after_x) == CONTEXT_WORDS):
        return False  # a clock time; or followed by the same words ("people killed"): one count moved
    return numbers[1] >= 100 and numbers[1] > MAX_RATIO * numbers[0]


def _framed_alike(a: Analysis, b: Analysis, difference: Difference) -> bool:
    """Whether the two figures of ``difference`` stand between the same words: the content word
    before each and the ``CONTEXT_WORDS`` after it, as written."""
    sides = _sides(a, b, difference)
    if sides is None:
        return False
    (_, (before_a, after_a)), (_, (before_b, after_b)) = sides
    return bool(before_a) and before_a == before_b and len(after_a) == CONTEXT_WORDS and after_a == after_b


def _sides(a: Analysis, b: Analysis, difference: Difference) -> tuple[tuple[str, tuple], tuple[str, tuple]] | None:
    """Each side's one figure of ``difference`` (its value) with the words around it (``_around``); None
    unless each side is a single figure among its sentence's tokens."""
    out = []
    for analysis, shown in ((a, difference.a), (b, difference.b)):
        if len(shown) != 1:
            return None
        value = {v: k for k, v in analysis.shown.items()}.get(shown[0], shown[0])
        if value not in analysis.tokens:
            return None
        out.append((value, _around(analysis, analysis.tokens.index(value))))
    return out[0], out[1]


def _around(a: Analysis, k: int) -> tuple[list[str], list[str]]:
    """The content word (no figure) just before token ``k`` of ``a`` and the ``CONTEXT_WORDS``
    after it, as written: what a figure there counts."""
    def content(start: int, end: int) -> list[str]:
        return [t for t, stop in zip(a.tokens[start:end], a.stopped[start:end]) if not stop and not is_figure(t)]

    return content(max(k - 4, 0), k)[-1:], content(k + 1, k + 6)[:CONTEXT_WORDS]


def _other_times(a: Analysis, b: Analysis) -> bool:
    """Whether the two give their figures for other times: years or months, none in common
    ("32 cases through July" / "50 cases as of August 2016")."""
    for kind in (lambda x: {v for v in x.numbers if is_year(v)}, lambda x: MONTHS.intersection(x.tokens)):
        ka, kb = kind(a), kind(b)
        if ka and kb and not ka & kb:
            return True
    return False


def disagreements(a: Analysis, b: Analysis, analyser: Analyser) -> tuple[Difference, ...]:
    """Figures of the two that count the same thing (a word about them in common, or the other
    side of their tally) with other values, neither a rounding of the other: "14 people dead"
    / "nine people killed". A sign alone ("$", "%") says what kind of figure, not what it counts."""
    ca, cb = _counted(a), _counted(b)
    out = []
    for x in sorted(ca.keys() - cb.keys(), key=_numeric):
        for y in sorted(cb.keys() - ca.keys(), key=_numeric):
            if is_year(x) or is_year(y) or _rounds_to_any(x, frozenset((y,))) or rounded(x, y):
                continue
            common = ca[x] & cb[y]
            signs_x, signs_y = _signs(ca[x]), _signs(cb[y])
            if not (common - signs_x) or (signs_x and signs_y and not signs_x & signs_y):
                continue
            out.append(Difference("number", (a.shown.get(x, x),), (b.shown.get(y, y),)))
    return tuple(out)


def _shared_figures(a: Analysis, b: Analysis, analyser: Analyser) -> list[str]:
    """The values both sentences state counting things alike (a year alone is no figure)."""
    ca, cb = _counted(a), _counted(b)
    out = []
    for value in ca.keys() & cb.keys():
        if is_year(value) and not (ca[value] and cb[value]):
            continue
        if _alike(ca[value], cb[value], analyser):
            out.append(value)
    return out


def _counted(a: Analysis) -> dict[str, set[str]]:
    """Each figure with the words about it: its unit and the next content words ("22 people were
    still missing": people, missing), as written, and the other side of its tally ("~148" for
    212 in "212-148")."""
    out: dict[str, set[str]] = {q.value: ({q.unit} if not q.unit.isalpha() and q.unit else set()) for q in a.quantities}
    for value, others in tallies(a).items():
        out.setdefault(value, set()).update("~" + other for other in others)
    for k, token in enumerate(a.tokens):
        if token not in out:
            continue
        out[token].update(_around(a, k)[1])
    return out


CONTEXT_WORDS = 2  # content words after a figure that say what it counts


def _signs(words: set[str]) -> set[str]:
    """A figure's kind ("$", "%"), apart from its words; a tally partner ("~148") is a word."""
    return {w for w in words if not w.isalpha() and not w.startswith("~")}


def _alike(x: set[str], y: set[str], analyser: Analyser) -> bool:
    """Whether two figures count the same kind of thing: words in common, or words alike in
    meaning ("homes" / "houses"); a sign ("$", "%") or a tally's other side ("~148") agrees
    only with itself: 148 in "213 to 148" and in "212 votes to 148" count other tallies."""
    if not x or not y or x & y:
        return True
    signs_x, signs_y = {w for w in x if not w.isalpha()}, {w for w in y if not w.isalpha()}
    if signs_x and signs_y:
        return bool(signs_x & signs_y)
    words_x, words_y = sorted(x - signs_x), sorted(y - signs_y)
    if not words_x or not words_y:
        return True
    vectors = analyser.vectors(words_x + words_y)
    if vectors is None:
        return False
    return float((vectors[:len(words_x)] @ vectors[len(words_x):].T).max()) >= UNIT_COSINE


def _tally_pairs(a: Analysis) -> set[str]:
    """The tallies and ranges ``a`` states, each as one key ("6~3" for "a 6-3 ruling" and "split
    six to three"): two small figures together pin a statement down as one large one does."""
    return {"~".join(sorted((v, w))) for v, others in tallies(a).items() for w in others}


def _tiny(value: str) -> bool:
    """A figure under ten: "two people", "three weeks" are said of many things in one story."""
    try:
        return abs(float(value)) < 10
    except ValueError:
        return False


def _numeric(value: str) -> tuple[float, str]:
    try:
        return (float(value), value)
    except ValueError:
        return (float("inf"), value)


def _candidates(vectors: np.ndarray, info: Sequence[Analysis], anchors: frozenset[str]) -> list[tuple[int, int]]:
    """Pairs (i < j) worth judging: those sharing a figure that pins a statement down or a
    quotation, and those alike enough in meaning to be one statement or a conflict about one.

    The cosines come in blocks of rows and each fact keeps its ``MAX_NEIGHBOURS`` closest, so
    memory stays linear in the story's size; a figure in more than ``MAX_FIGURE_FACTS`` facts
    is not indexed (it pins nothing down).
    """
    n = len(vectors)
    pairs: set[tuple[int, int]] = set()
    holders: dict[str, list[int]] = {}
    for k, a in enumerate(info):
        for value in a.numbers & anchors:
            if is_specific(value) or not _tiny(value):  # "4.75%" pins one down, "two people" does not
                holders.setdefault(value, []).append(k)
        for name in a.names & anchors:
            holders.setdefault(name, []).append(k)
        for pair in _tally_pairs(a):
            holders.setdefault(pair, []).append(k)
        for run in _quoted(a):
            holders.setdefault('"' + run, []).append(k)
    for found in holders.values():
        if len(found) <= MAX_FIGURE_FACTS:
            pairs.update((i, j) for x, i in enumerate(found) for j in found[x + 1:])
    least = min(MEANING_COSINE, CONFLICT_COSINE)
    for start in range(0, n, 256):
        block = vectors[start:start + 256] @ vectors.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
        close = block >= least
        for r in np.flatnonzero(close.sum(axis=1) > MAX_NEIGHBOURS):
            # A sentence alike to very many is a template ("The mayor said 12 people came."):
            # its closest stand for the rest, so pairs stay linear in the story's size.
            close[r] = False
            close[r, np.argsort(-block[r], kind="stable")[:MAX_NEIGHBOURS]] = True
        rows, cols = np.nonzero(close)
        rows += start
        pairs.update(zip(np.minimum(rows, cols).tolist(), np.maximum(rows, cols).tolist()))
    return sorted(pairs)


def _place(s) -> tuple:
    return (s.article, s.position, s.paragraph, s.text)


def _where(fact: Fact) -> tuple:
    return _place(fact.sentence)

