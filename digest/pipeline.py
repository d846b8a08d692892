"""The pipeline: ingest -> segment -> clean -> dedup -> stories -> rank -> render.

``build_digest`` runs the stages and returns a ``Digest``; ``write_outputs``
renders it to files atomically. Both take one ``Config``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import time as _time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from .clean import remove_boilerplate
from .config import Config
from .dedup import near_duplicates
from .errors import NoInputError, OutputError, UsageError
from .ingest import collect, discover, input_urls, read_one
from .models import Article, Digest, Item, Section, Stats
from .rank import Budget, Decision, Ranker, get_ranker, surface_conflicts, word_count
from .render import FORMATS, render
from .segment import segment
from .state import History, Recall, State, lock, screen, state_path
from .stories import Story, group_stories

log = logging.getLogger("digest")

# Stages reported to a ``progress`` callback, in order (the CLI's progress bar).
STAGES = ("read", "segment", "clean", "dedup", "recall", "rank")
TEMP_PREFIX = ".digest-tmp-"  # temporary files: hidden, and never named like an output
# Test hook: DIGEST_TEST_PAUSE_AT=<point> makes a run announce the point on stderr and
# sleep there, so tests can kill -9 it at a known moment (or, with <point>:SECONDS,
# hold the lock that long). Points: built, temps-written, intended (the state noted the
# outputs it is about to rename), first-renamed, written, recording (inside the state
# transaction, before COMMIT), recorded.
PAUSE_ENV = "DIGEST_TEST_PAUSE_AT"


@dataclass(frozen=True)
class Result:
    """A built digest and what the stages decided on the way (for --explain)."""

    digest: Digest
    decisions: tuple[Decision, ...]
    recalls: tuple[Recall, ...] = ()  # facts matched against earlier digests


def digest_date(config: Config) -> date:
    if config.date is None:
        return date.today()
    try:
        return date.fromisoformat(config.date)
    except ValueError:
        raise UsageError(f"--date {config.date!r}: expected YYYY-MM-DD") from None


def build(
    config: Config,
    history: History | None = None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> Result:
    """Run every stage on ``config.inputs``.

    Args:
        config: the effective configuration.
        history: what earlier digests published (``State.history``); facts published
            before the digest's date are left out, updates are marked. None: no memory.
        progress: called with each name of ``STAGES`` once that stage is done.
        now: the moment ``config.since`` durations count back from (default: now).

    Raises:
        NoInputError: no input path, or nothing readable in it (or in the --since window).
        UsageError, ConfigError: bad settings.
    """
    done = progress or (lambda stage: None)
    if not config.inputs:
        raise UsageError("no input: give one or more folders or files of articles")
    day = digest_date(config)
    ranker = get_ranker(config.algorithm)
    with _workers(config.jobs) as map_:
        paths = list(config.inputs)
        input_urls(paths, config)
        files = discover(paths)
        ingested = collect(paths, files, map_(partial(read_one, config=config), files), config)
        articles = published_by(ingested.articles, day, config)
        if config.since:
            articles = published_since(articles, since_moment(config.since, now), config)
        done("read")
        sentences = [s for split in map_(partial(segment, language=config.language), articles) for s in split]
        done("segment")
    kept, drops = remove_boilerplate(articles, sentences, config)
    done("clean")
    dedup = near_duplicates(kept, config)
    done("dedup")
    screening = screen(dedup.facts, history, config)
    if screening.recalls:
        log.info("%d facts already published before %s left out, %d updates kept",
                 len(screening.recalls) - len(screening.updates), day, len(screening.updates))
    done("recall")
    stories = group_stories(articles, screening.facts, config)
    # Only disagreements between statements still on offer are news; a change from what an
    # earlier digest published is an update, marked as such.
    on_offer = {m for fact in screening.facts for m in fact.members}
    conflicts = tuple(c for c in dedup.conflicts if c.a in on_offer and c.b in on_offer)

    def noted(items: Sequence[Item]) -> tuple[Item, ...]:
        """Items with their notes: updates of earlier news, outlets that disagree."""
        return surface_conflicts(tuple(_mark_update(item, screening.updates) for item in items), conflicts, articles)

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
        items = noted(ranking.chosen)
        if items:
            sections.append(Section(title=story.title, articles=story.articles, items=items))
        else:
            minor.append(story)
    if minor:
        brief, brief_decisions = in_brief(minor, articles, ranker, brief_budget, config)
        decisions.extend(brief_decisions)
        sections.append(dataclasses.replace(brief, items=noted(brief.items)))
    done("rank")

    stats = Stats(
        articles=len(articles),
        sentences=len(sentences),
        duplicates_merged=len(dedup.merges),
        boilerplate_dropped=len(drops),
        skipped_files=len(ingested.skipped),
        conflicts=len(conflicts),
    )
    digest = Digest(
        date=day,
        title=config.title,
        sections=tuple(sections),
        articles=articles,
        stats=stats,
        merges=dedup.merges,
        drops=tuple(drops),
        conflicts=conflicts,
    )
    return Result(digest=digest, decisions=tuple(decisions), recalls=screening.recalls)


def _mark_update(item, updates):
    if item.fact not in updates:
        return item
    return dataclasses.replace(item, note="update" if not item.note else f"update; {item.note}")


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_moment(value: str, now: datetime | None = None) -> datetime:
    """The start of the --since window: "24h", "7d", "90m", "2w" count back from ``now``;
    YYYY-MM-DD means that day from 00:00 UTC; a full ISO date-time is taken as given
    (UTC when it has no offset)."""
    now = now or datetime.now(timezone.utc)
    found = _DURATION.match(value)
    if found:
        return now - timedelta(**{_UNIT[found.group(2).lower()]: float(found.group(1))})
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(), tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {value!r}: expected a duration (90m, 24h, 7d, 2w) or a date YYYY-MM-DD") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def article_time(article: Article) -> datetime | None:
    """When an article was published: its front matter or feed date, else its file's mtime."""
    if article.published is not None:
        return article.published
    try:
        return datetime.fromtimestamp(os.stat(article.path).st_mtime, timezone.utc)
    except OSError:
        return None


def published_by(articles: Sequence[Article], day: date, config: Config) -> tuple[Article, ...]:
    """The articles not dated after ``day`` (UTC): a digest never holds later news, so
    re-running an earlier date over a folder that has grown since gives the same digest.

    Raises:
        NoInputError: every article is dated after ``day``.
    """
    end = datetime.combine(day + timedelta(days=1), time(), timezone.utc)
    kept = [a for a in articles if a.published is None or a.published < end]
    return _renumbered(articles, kept, config, f"dated after {day.isoformat()}")


def published_since(articles: Sequence[Article], since: datetime, config: Config) -> tuple[Article, ...]:
    """The articles published at or after ``since``, renumbered (an article with no
    date at all is kept: nothing says it is old).

    Raises:
        NoInputError: every article is older than ``since``.
    """
    kept = [a for a in articles if (t := article_time(a)) is None or t >= since]
    return _renumbered(articles, kept, config, f"published before {since.isoformat()} (--since {config.since})")


def _renumbered(articles: Sequence[Article], kept: list[Article], config: Config, left_out: str) -> tuple[Article, ...]:
    """``kept`` with ids in order again; none kept is "no input"."""
    if not kept:
        raise NoInputError(f"{', '.join(config.inputs)}: every article is {left_out}")
    if len(kept) < len(articles):
        log.info("%d articles %s left out", len(articles) - len(kept), left_out)
    return tuple(dataclasses.replace(a, id=i) for i, a in enumerate(kept))


# A section needs room for one sentence: news sentences run 20-30 words.
MIN_SECTION_WORDS = 35
# With more stories than this, single-article stories are gathered into "In brief".
BRIEF_AFTER = 6
# The share of the budget kept for "In brief" when it is needed.
BRIEF_SHARE = 0.2
BRIEF_TITLE = "In brief"
# "In brief" stops when fewer words than this are left: no news sentence is shorter.
BRIEF_MIN_WORDS = 8


@contextmanager
def _workers(jobs: int) -> Iterator[Callable[[Callable, Sequence], list]]:
    """A map() over ``jobs`` processes that keeps the order (the plain map for one job)."""
    if jobs <= 1:
        yield lambda fn, items: list(map(fn, items))
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield lambda fn, items: list(pool.map(fn, items, chunksize=max(1, len(items) // (jobs * 4))))


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
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: str | bytes) -> Path:
    """``data`` in a complete, fsynced temporary file in ``path``'s folder."""
    raw = _raw(data)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide the digest from a web server
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def render_output(digest: Digest, fmt: str, config: Config) -> str | bytes:
    """One output file's content: a template's text, or for "eml" the MIME message's bytes (CRLF)."""
    if fmt == "eml":
        from .email import message_bytes  # css_inline is only needed for email

        return message_bytes(digest, config)
    return render(digest, fmt, config.templates)


def _raw(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a crash after this keeps them)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse to fsync a folder; the renames are still atomic
    finally:
        os.close(fd)


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete temporary files a killed run left in ``folder`` (call while holding the lock)."""
    removed = []
    for tmp in sorted(Path(folder).glob(f"{TEMP_PREFIX}*.tmp")):
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            continue
    if removed:
        log.info("removed %d temporary files left by an interrupted run in %s", len(removed), folder)
    return removed


def write_outputs(
    result: Result,
    config: Config,
    before_rename: Callable[[dict[Path, str]], None] | None = None,
) -> list[Path]:
    """Render every format, write each to a complete temporary file, then rename them all.

    Rendering and writing everything before renaming anything means a failure (or a
    kill) leaves every output as it was, or complete and new: never half a file.
    ``before_rename`` gets {path: sha256 of the new content} once every temporary
    file is complete (the state notes it, to recover from a kill between renames).
    """
    check_formats(config.formats)
    rendered = {fmt: render_output(result.digest, fmt, config) for fmt in config.formats}
    paths = output_paths(result.digest.date, config.formats, config.out)
    contents = {path: rendered[fmt] for fmt, path in paths.items()}
    if config.explain:
        contents[Path(config.explain)] = json.dumps(explain(result), indent=2, ensure_ascii=False) + "\n"
    temps: dict[Path, Path] = {}
    try:
        for path, data in contents.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temps[path] = _write_temp(path, data)
        _pause("temps-written")
        if before_rename is not None:
            before_rename({path: hashlib.sha256(_raw(contents[path])).hexdigest() for path in temps})
            _pause("intended")
        for n, (path, tmp) in enumerate(temps.items()):
            os.replace(tmp, path)
            if n == 0:
                _pause("first-renamed")
        for folder in sorted({p.parent for p in temps}):
            _fsync_dir(folder)
    except OSError as exc:
        raise OutputError(f"{exc.filename or config.out}: cannot write output: {exc.strerror}") from None
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(contents)


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
        "history": [
            {"text": r.fact.text, "verdict": r.verdict, "added": list(r.added),
             "published": [{"date": p.date, "text": p.text} for p in r.published]}
            for r in result.recalls
        ],
    }


def _pause(point: str) -> None:
    """The test hook described at PAUSE_ENV: ``point`` sleeps an hour (the test kills the
    run), ``point:SECONDS`` sleeps that long and goes on. Does nothing otherwise."""
    wanted, _, seconds = os.environ.get(PAUSE_ENV, "").partition(":")
    if wanted == point:
        print(f"digest: test pause at {point}", file=sys.stderr, flush=True)
        _time.sleep(float(seconds) if seconds else 3600)


def lock_path(config: Config) -> Path | None:
    """The lock file: beside the state, else in the output folder (none for --out - without state)."""
    if config.state.enabled:
        path = state_path(config)
        return path.with_name(path.name + ".lock")
    if config.out == "-":
        return None
    return Path(config.out) / ".digest.lock"


def _print(output: str | bytes, stream: TextIO) -> None:
    if isinstance(output, bytes):  # an .eml: bytes with CRLF, as written to a file
        stream.flush()
        stream.buffer.write(output)
    else:
        stream.write(output)


def run(
    config: Config,
    progress: Callable[[str], None] | None = None,
    stdout: TextIO | None = None,
) -> list[Path]:
    """What ``digest run`` does: lock, recall, build, write, then remember.

    Under an exclusive lock (waiting up to ``config.lock_timeout`` seconds): open the
    state, build the digest without the facts earlier dates published, put every output
    in place atomically, and only then record this date's published facts in one
    transaction (replacing a rerun's). A run killed at any point leaves the previous
    outputs and record, or the new ones. ``config.out == "-"`` prints the one format to
    ``stdout`` instead of writing files.

    Returns:
        The files written (none for ``--out -``).

    Raises:
        TemporaryFailure: another run held the lock for ``config.lock_timeout`` seconds.
        StateError: the state database is damaged or not a digest state.
        OutputError: an output (or the state) cannot be written.
    """
    check_formats(config.formats)
    day = digest_date(config)
    if config.out == "-" and len(config.formats) != 1:
        raise UsageError("--out - prints one format: add --format text (or html, md, json, eml)")
    where = lock_path(config)
    with lock(where, config.lock_timeout) if where else nullcontext():
        state = State.open(state_path(config), config.lock_timeout) if config.state.enabled else None
        try:
            result = build(config, history=state.history(day) if state else None, progress=progress)
            published = [item.fact for section in result.digest.sections for item in section.items]
            _pause("built")
            if config.out == "-":
                _print(render_output(result.digest, config.formats[0], config), stdout or sys.stdout)
                paths: list[Path] = []
            else:
                remove_stale_temps(config.out)
                if config.explain:
                    remove_stale_temps(Path(config.explain).parent)
                intend = None if state is None else (lambda hashes: state.intend(day, published, hashes, config))
                paths = write_outputs(result, config, before_rename=intend)
            _pause("written")
            if state is not None:
                state.record(day, published, paths, config, before_commit=lambda: _pause("recording"))
                _pause("recorded")
        finally:
            if state is not None:
                state.close()
    return paths
