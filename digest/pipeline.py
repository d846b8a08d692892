"""The pipeline: ingest -> segment -> clean -> dedup -> stories -> rank -> render.

``build_digest`` runs the stages and returns a ``Digest``; ``write_outputs``
renders it to files atomically. Both take one ``Config``.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any, Sequence

from .clean import remove_boilerplate
from .config import Config
from .dedup import near_duplicates
from .errors import OutputError, UsageError
from .ingest import Ingested, Skipped, collect, discover, ingest, read_one
from .models import Article, Digest, Item, Section, Sentence, Stats
from .rank import Budget, Decision, Ranker, get_ranker, word_count
from .render import FORMATS, render
from .segment import segment
from .stories import Story, group_stories


@dataclass(frozen=True)
class Result:
    """A built digest and what the stages decided on the way (for --explain)."""

    digest: Digest
    decisions: tuple[Decision, ...]


def digest_date(config: Config) -> date:
    if config.date is None:
        return date.today()
    try:
        return date.fromisoformat(config.date)
    except ValueError:
        raise UsageError(f"--date {config.date!r}: expected YYYY-MM-DD") from None


def build(config: Config) -> Result:
    """Run every stage on ``config.inputs``.

    Raises:
        NoInputError: no input path, or nothing readable in it.
        UsageError, ConfigError: bad settings.
    """
    if not config.inputs:
        raise UsageError("no input: give one or more folders or files of articles")
    day = digest_date(config)
    ranker = get_ranker(config.algorithm)
    ingested, sentences = read_and_split(config)
    articles = ingested.articles
    kept, drops = remove_boilerplate(articles, sentences, config)
    dedup = near_duplicates(kept, config)
    stories = group_stories(articles, dedup.facts, config)

    sections: list[Section] = []
    decisions: list[Decision] = []
    budgets, brief_budget = share_budget(stories, config)
    minor: list[Story] = []  # stories without a section of their own: "In brief"
    for story, budget in zip(stories, budgets):
        if budget is None:
            minor.append(story)
            continue
        ranking = ranker(story.facts, articles, budget, config)
        decisions.extend(ranking.decisions)
        if ranking.chosen:
            sections.append(Section(title=story.title, articles=story.articles, items=ranking.chosen))
        else:
            minor.append(story)
    if minor:
        brief, brief_decisions = in_brief(minor, articles, ranker, brief_budget, config)
        decisions.extend(brief_decisions)
        sections.append(brief)

    stats = Stats(
        articles=len(articles),
        sentences=len(sentences),
        duplicates_merged=len(dedup.merges),
        boilerplate_dropped=len(drops),
        skipped_files=len(ingested.skipped),
        conflicts=len(dedup.conflicts),
    )
    digest = Digest(
        date=day,
        title=config.title,
        sections=tuple(sections),
        articles=articles,
        stats=stats,
        merges=dedup.merges,
        drops=tuple(drops),
        conflicts=dedup.conflicts,
    )
    return Result(digest=digest, decisions=tuple(decisions))


# A section needs room for one sentence: news sentences run 20-30 words.
MIN_SECTION_WORDS = 35
# With more stories than this, single-article stories are gathered into "In brief".
BRIEF_AFTER = 6
# The share of the budget kept for "In brief" when it is needed.
BRIEF_SHARE = 0.2
BRIEF_TITLE = "In brief"
# "In brief" stops when fewer words than this are left: no news sentence is shorter.
BRIEF_MIN_WORDS = 8


def read_and_split(config: Config) -> tuple[Ingested, list[Sentence]]:
    """Every article of ``config.inputs`` and its sentences, in reading order.

    With ``config.jobs`` > 1 files are read and split in a pool of processes; the
    result is the same, in the same order.
    """
    if config.jobs <= 1:
        ingested = ingest(config.inputs, config)
        return ingested, [s for a in ingested.articles for s in segment(a, config.language)]
    paths = list(config.inputs)
    files = discover(paths)
    size = max(1, math.ceil(len(files) / (config.jobs * 4)))
    chunks = [files[k:k + size] for k in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=config.jobs) as pool:
        parts = [r for part in pool.map(_read_and_split, chunks, repeat(config)) for r in part]
    ingested = collect(paths, files, [found for found, _ in parts])
    sentences: list[Sentence] = []
    article = 0
    for found, split in parts:
        for pieces in split:  # one list of (text, paragraph) per article of the file
            sentences.extend(
                Sentence(text=text, article=article, paragraph=p, position=k) for k, (text, p) in enumerate(pieces)
            )
            article += 1
    return ingested, sentences


def _read_and_split(files: Sequence[Path], config: Config) -> list[tuple[Any, list[list[tuple[str, int]]]]]:
    """Worker: each file's articles (or why it is skipped) and their sentences as (text, paragraph)."""
    out = []
    for path in files:
        found = read_one(path, config)
        split = [] if isinstance(found, Skipped) else [
            [(s.text, s.paragraph) for s in segment(a, config.language)] for a in found
        ]
        out.append((found, split))
    return out


def share_budget(stories: Sequence[Story], config: Config) -> tuple[list[Budget | None], Budget]:
    """Each story's budget (None: the story goes to "In brief"), and the budget of "In brief".

    ``stories`` come most important first. With many stories, single-article,
    single-outlet ones are minor and go to "In brief", which keeps ``BRIEF_SHARE`` of
    the words. The others get a section each while there is room for
    ``MIN_SECTION_WORDS`` (the rest are minor too); every section gets that minimum, and the remaining words are shared in
    proportion to the square root of the story's number of articles, so a big story
    gets more than a small one but never crowds it out.
    """
    many = len(stories) > BRIEF_AFTER
    major = [i for i, s in enumerate(stories) if not many or len(s.articles) > 1 or s.outlets > 1]
    has_minor = len(major) < len(stories)
    words = config.max_words
    brief_words = round(words * BRIEF_SHARE) if has_minor else 0
    if not major:  # only single-article stories: "In brief" is the digest
        sentences = config.sentences
        return [None] * len(stories), Budget(words=words, sentences=sentences)
    room = words - brief_words
    fit = min(len(major), max(1, room // MIN_SECTION_WORDS))
    if fit < len(major):  # stories with no room for a section of their own are minor too
        if not has_minor:
            brief_words = max(MIN_SECTION_WORDS, round(words * BRIEF_SHARE))
            room = words - brief_words
            fit = min(len(major), max(1, room // MIN_SECTION_WORDS))
        major = major[:fit]
    weights = {i: math.sqrt(len(stories[i].articles) or 1) for i in major}
    total = sum(weights.values()) or 1.0
    spare = max(0, room - MIN_SECTION_WORDS * len(major))
    sentences = config.sentences
    budgets: list[Budget | None] = [None] * len(stories)
    for i in major:
        share = weights[i] / total
        n = None if sentences is None else max(1, math.floor(sentences * share))
        budgets[i] = Budget(words=MIN_SECTION_WORDS + math.floor(spare * share), sentences=n)
    brief_sentences = None if sentences is None else max(1, round(sentences * BRIEF_SHARE))
    return budgets, Budget(words=max(brief_words, MIN_SECTION_WORDS), sentences=brief_sentences)


def in_brief(
    stories: Sequence[Story], articles: Sequence[Article], ranker: Ranker, budget: Budget, config: Config
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
        if not any(word_count(f.text) <= left for f in story.facts):
            continue  # nothing short enough: do not rank it at all
        ranking = ranker(story.facts, articles, Budget(words=left, sentences=1), config)
        decisions.extend(ranking.decisions)
        for item in ranking.chosen[:1]:
            items.append(item)
            left -= word_count(item.fact.text)
    members = tuple(sorted(i for story in stories for i in story.articles))
    return Section(title=BRIEF_TITLE, articles=members, items=tuple(items)), decisions


def build_digest(config: Config) -> Digest:
    """The digest for ``config`` (see ``build``)."""
    return build(config).digest


def output_paths(day: date, formats: tuple[str, ...], out: str | os.PathLike) -> dict[str, Path]:
    """Where each format goes: ``<out>/digest-YYYY-MM-DD.<ext>``."""
    return {fmt: Path(out) / f"digest-{day.isoformat()}.{FORMATS[fmt]}" for fmt in formats}


def check_formats(formats: tuple[str, ...]) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(result: Result, config: Config) -> list[Path]:
    """Render every format first, then put each file in place atomically.

    Rendering everything before writing anything means a failed render leaves
    the output folder as it was.
    """
    check_formats(config.formats)
    rendered = {fmt: render(result.digest, fmt, config.templates) for fmt in config.formats}
    paths = output_paths(result.digest.date, config.formats, config.out)
    try:
        Path(config.out).mkdir(parents=True, exist_ok=True)
        for fmt, path in paths.items():
            atomic_write(path, rendered[fmt])
        if config.explain:
            explain_path = Path(config.explain)
            explain_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(explain_path, json.dumps(explain(result), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise OutputError(f"{exc.filename or config.out}: cannot write output: {exc.strerror}") from None
    return list(paths.values()) + ([Path(config.explain)] if config.explain else [])


def explain(result: Result) -> dict[str, Any]:
    """Every boilerplate drop, merge, conflict and ranking decision, in a stable order."""
    d = result.digest
    where = lambda s: {"article": d.articles[s.article].path, "position": s.position}  # noqa: E731
    return {
        "date": d.date.isoformat(),
        "boilerplate": [{"text": x.sentence.text, "rule": x.rule, **where(x.sentence)} for x in d.drops],
        "merges": [
            {"dropped": m.dropped.text, "kept": m.kept.text, "score": round(m.score, 4), "rule": m.rule,
             "dropped_from": where(m.dropped), "kept_from": where(m.kept)}
            for m in d.merges
        ],
        "conflicts": [
            {"a": c.a.text, "b": c.b.text, "score": round(c.score, 4), "differences": list(c.differences),
             "a_from": where(c.a), "b_from": where(c.b)}
            for c in d.conflicts
        ],
        "ranking": [
            {"text": x.item.fact.text, "chosen": x.chosen, "reason": x.reason, "score": round(x.item.score, 6),
             "components": {k: round(v, 6) for k, v in x.item.components}}
            for x in result.decisions
        ],
    }


def run(config: Config) -> list[Path]:
    """Build the digest and write it: what ``digest run`` does."""
    check_formats(config.formats)
    return write_outputs(build(config), config)
