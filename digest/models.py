"""The values that pass from one pipeline stage to the next.

Every stage is a function from one of these to the next; all are frozen so a
stage can never change what an earlier stage produced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(text: str) -> date:
    """A YYYY-MM-DD date, ASCII digits only (date.fromisoformat also takes 20261120 and 2026-W47-5).

    Raises:
        ValueError: anything else.
    """
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)


@dataclass(frozen=True)
class Article:
    """One article as read from disk (or a feed), before segmentation."""

    id: int  # position in the stable reading order; unique within a run
    url: str
    title: str
    outlet: str | None
    published: datetime | None
    body: str  # text after front matter, headline line removed
    path: str  # where it was read from (for warnings and --explain)
    outlets: tuple[str, ...] = ()  # every outlet that carried this very article (same text twice)
    summary_only: bool = False  # the body is a feed entry's summary: its page has the full text
    generated_title: bool = False  # the title was made up (from the file name or the lead): no source gave it


def independent_outlets(articles: Iterable[Article]) -> int:
    """How many outlets carry these articles: each outlet once, an article of no known outlet once."""
    known: set[str] = set()
    unknown = 0
    for a in articles:
        named = {o.casefold() for o in (a.outlet, *a.outlets) if o}
        known |= named
        unknown += not named
    return len(known) + unknown


@dataclass(frozen=True, slots=True)  # hundreds of thousands a day: no instance dict
class Sentence:
    """A sentence with its origin: provenance is kept from the moment of splitting."""

    text: str
    article: int  # Article.id
    paragraph: int  # paragraph index within the article
    position: int  # sentence index within the article (0 = lead)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as a sentence states it, with what it counts."""

    value: str  # canonical digits: "93", "2500000000", "0.5"
    unit: str  # "$", "%", or the stem of the word it counts ("vote"); "" when unknown


@dataclass(frozen=True, slots=True)  # one per distinct sentence of the day: no instance dict
class Analysis:
    """One sentence as every stage compares it (``digest.analysis.Analyser``)."""

    tokens: tuple[str, ...]  # lower-cased; quotes unified, numbers in digits, aliases canonical ("usa")
    norm: str  # the tokens joined by spaces: equal for two spellings of one sentence
    stems: tuple[str, ...]  # one per token: its stem, or the token for stop words and numbers
    stopped: tuple[bool, ...]  # one per token: a stop word of the language
    content: frozenset[str]  # content-word stems and numbers (no stop words, no filler such as "said")
    numbers: frozenset[str]
    quantities: tuple[Quantity, ...]  # the numbers in order, each with its unit
    names: frozenset[str]  # capitalised words (not a sentence's first, unless an acronym), canonical
    negated: bool  # says "not", "never", "no", ... (not in an idiom or a condition)
    weight: int  # informativeness: content words, with numbers and names counting twice
    quotes: tuple[str, ...] = ()  # its quotations of ``QUOTE_WORDS`` words or more, lower-cased words joined by spaces
    shown: Mapping[str, str] = field(default_factory=dict, compare=False)  # name or figure -> as written ("$2.38bn")
    denied: frozenset[str] = frozenset()  # content stems its negations deny (``analysis.opposed``)


@dataclass(frozen=True)
class Fact:
    """One statement: a set of near-duplicate sentences and every article carrying it.

    ``sentence`` is the representative wording (the most informative one).
    ``sources`` are the articles that carry the whole statement; ``partial``
    are articles whose shorter sentence was subsumed by this one: they say part
    of it, never all of it, so they are listed apart and never credited with
    the rest.
    """

    sentence: Sentence
    members: tuple[Sentence, ...]  # every merged sentence, the representative included
    sources: tuple[int, ...]  # Article ids, sorted
    partial: tuple[int, ...] = ()  # Article ids, sorted, disjoint from sources
    # The shown wordings of the story's facts that report part of this one in other words
    # (digest.align): a reader who has read one has read that part of the other.
    linked: tuple[Sentence, ...] = ()

    @property
    def text(self) -> str:
        return self.sentence.text


@dataclass(frozen=True)
class Merge:
    """Why one sentence was folded into another (for stats and --explain)."""

    dropped: Sentence
    kept: Sentence
    score: float
    rule: str  # "exact", "near-duplicate", "subsumed", "paraphrase", "part of" or "superseded"


@dataclass(frozen=True)
class Difference:
    """One point on which two similar sentences disagree: what each says, as written."""

    kind: str  # "number" or "name"
    a: tuple[str, ...]  # ("16",) or ("Smith",)
    b: tuple[str, ...]

    def swapped(self) -> "Difference":
        return Difference(self.kind, self.b, self.a)

    def __str__(self) -> str:
        return f"{', '.join(self.a)} vs {', '.join(self.b)}"


@dataclass(frozen=True)
class Conflict:
    """Two similar sentences from different articles whose numbers or names disagree."""

    a: Sentence
    b: Sentence
    score: float
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Drop:
    """A line removed as boilerplate, with the rule that removed it."""

    sentence: Sentence
    rule: str


@dataclass(frozen=True)
class Item:
    """A chosen fact with its score, ready to render."""

    fact: Fact
    score: float
    components: tuple[tuple[str, float], ...] = ()  # named score parts, for --explain
    note: str | None = None  # e.g. "update" or "outlets differ: 16 here, 18 per Northern Wire"
    noted: tuple[int, ...] = ()  # Article ids the note cites (the other side of a conflict), sorted


@dataclass(frozen=True)
class Story:
    """Articles on one story, its headline and its facts.

    ``outlets`` is the number of independent outlets carrying the story (an article
    with no known outlet counts as one); ``latest`` the newest publication time known.
    """

    title: str
    articles: tuple[int, ...]  # every Article id of the story, ascending
    facts: tuple[Fact, ...]  # in reading order
    outlets: int = 0
    latest: datetime | None = None


@dataclass(frozen=True)
class Budget:
    """How much of the digest a ranker may fill."""

    words: int
    sentences: int | None = None


@dataclass(frozen=True)
class Decision:
    """One fact the ranker considered: chosen or passed over, and why (for --explain)."""

    item: Item
    chosen: bool
    reason: str


@dataclass(frozen=True)
class Ranking:
    """A ranker's result: the chosen items in reading order, and its decisions."""

    chosen: tuple[Item, ...]
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class Continuation:
    """An earlier digest's story that a section continues: it repeats or updates statements
    that digest published in that story."""

    date: str  # YYYY-MM-DD
    title: str  # the earlier section's headline
    position: int  # its place in that digest (the page's #story-N)


@dataclass(frozen=True)
class Section:
    """One story of the digest: its headline, its articles and its chosen items."""

    title: str
    articles: tuple[int, ...]  # every Article id of the story
    items: tuple[Item, ...]  # in reading order
    continues: Continuation | None = None  # the earlier digest's story it continues


@dataclass(frozen=True)
class Stats:
    articles: int
    sentences: int
    duplicates_merged: int
    boilerplate_dropped: int
    skipped_files: int = 0
    conflicts: int = 0


@dataclass(frozen=True)
class Digest:
    """The finished digest: what every renderer reads."""

    date: date
    title: str
    sections: tuple[Section, ...]
    articles: tuple[Article, ...]  # indexed by Article.id
    stats: Stats
    merges: tuple[Merge, ...] = field(default=(), repr=False)
    drops: tuple[Drop, ...] = field(default=(), repr=False)
    conflicts: tuple[Conflict, ...] = field(default=(), repr=False)
    stories: tuple[Story, ...] = field(default=(), repr=False)  # the day's stories, most important first


# --------------------------------------------------------------------------- memory between runs


@dataclass(frozen=True)
class Published:
    """A fact an earlier digest published, as the store keeps it."""

    date: str  # the digest's date, YYYY-MM-DD
    fingerprint: str  # the same for two wordings with the same content stems and numbers
    text: str  # the wording published
    tokens: frozenset[str]  # content stems and numbers (the fuzzy lookup)
    numbers: frozenset[str]
    names: frozenset[str]  # lower-case


@dataclass(frozen=True)
class History:
    """What was published before ``before`` (the digest's date): the store, read-only."""

    before: date
    published: tuple[Published, ...] = ()
    stories: tuple["StoryRecord", ...] = ()  # the sections those digests published


@dataclass(frozen=True)
class Recall:
    """What the history says about one of the day's facts (for --explain)."""

    fact: Fact
    verdict: str  # "already published" (left out) or "update" (kept, marked)
    published: tuple[Published, ...]  # the earlier facts it matched
    added: tuple[str, ...] = ()  # numbers or names the earlier facts lacked


@dataclass(frozen=True)
class Screening:
    """The day's facts after the recall stage."""

    facts: tuple[Fact, ...]  # the facts to rank, in their original order
    updates: frozenset[Fact]  # kept facts that update an earlier one
    recalls: tuple[Recall, ...]  # every fact that matched the history


@dataclass(frozen=True)
class Removal:
    """Something the reader's filters (include, mute, mute_outlets) left out, and why."""

    kind: str  # "article" (a muted outlet), "story" or "sentence"
    rule: str  # e.g. "mute_outlets: Valley Post", "mute: football", "include: none matched"
    text: str  # the outlet, the story's headline or the sentence
    sources: tuple[str, ...]  # where it came from: the articles' URLs


@dataclass(frozen=True)
class Result:
    """A built digest and what the stages decided on the way (for --explain)."""

    digest: Digest
    decisions: tuple["Decision", ...]  # rank.Decision: every fact the ranker considered
    recalls: tuple[Recall, ...] = ()  # facts matched against earlier digests
    removed: tuple[Removal, ...] = ()  # what the reader's filters left out


@dataclass(frozen=True)
class FeedState:
    """What the store remembers of one subscription between runs (times are UTC ISO 8601)."""

    url: str
    etag: str | None = None  # validators of the last full answer whose entries were all read
    last_modified: str | None = None
    last_success: str | None = None  # the last fetch that worked (a 200 or a 304)
    last_attempt: str | None = None
    failures: int = 0  # consecutive failed fetches
    failing_since: str | None = None  # the first failure of the current run of them
    next_try: str | None = None  # not fetched before this (back-off)
    last_error: str | None = None
    moved_to: str | None = None  # where a permanent redirect pointed


@dataclass(frozen=True)
class ReadEntry:
    """A feed entry read for a digest: later dates never read it again."""

    feed: str  # the subscription's URL
    key: str  # the entry's id, else its link, else a hash of its text
    date: str  # the digest date it was read for, YYYY-MM-DD
    article: str | None = None  # the article as read (JSON), so a rerun of ``date`` reads it again


@dataclass(frozen=True)
class StoryRecord:
    """A section a digest published: what a later story can continue from."""

    date: str
    position: int  # 1 for the first section (the page's #story-1)
    title: str
    fingerprints: tuple[str, ...]  # of the facts it published (``Published.fingerprint``)


@dataclass(frozen=True)
class RunExtras:
    """What a run records beside its facts, in the same transaction: its feeds' states and
    read entries, and its stories."""

    feeds: tuple[FeedState, ...] = ()
    entries: tuple[ReadEntry, ...] = ()
    stories: tuple[StoryRecord, ...] = ()
