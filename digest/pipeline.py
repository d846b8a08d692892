"""The pipeline: ingest -> segment -> clean -> dedup -> recall -> stories -> sections -> output.

``build`` runs the stages and returns the ``Digest`` with what they decided; ``run``
adds what ``digest run`` needs around it: the lock, the state and ``output.write_outputs``.
Both take one ``Config``.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import stat
import sys
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence, TextIO

from .align import align_stories, supersede
from .analysis import Analyser
from .archive import continuations, story_records
from .clean import remove_boilerplate
from .config import Config, has_subscriptions
from .dedup import near_duplicates
from .errors import NoInputError, OutputError, UsageError
from .files import kind, writing
from .filters import Filters, counts, filter_stories, mute_outlets
from .ingest import OUTPUT_NAME, collect, discover, input_urls, is_input, read_one
from .lock import lock
from .models import Article, Digest, History, Item, Result, RunExtras, Stats, iso_day
from .output import (check_formats, is_explain_file, output_paths, remove_stale_temps, render_output, write_explain,
                     write_outputs)
from .rank import get_ranker, surface_conflicts
from .render import FORMATS
from .recall import published as published_records
from .recall import screen
from .sections import lay_out
from .segment import punkt_tokenizer, segment
from .store import Store, state_path
from .stories import group_stories

if TYPE_CHECKING:
    from .feeds import FeedBatch
    from .fetch import Fetcher

log = logging.getLogger("digest")

# Stages reported to a ``progress`` callback, in order (the CLI's progress bar).
STAGES = ("read", "segment", "clean", "dedup", "recall", "align", "rank")

# Points of a run a ``checkpoint`` callback is called at, in order: the digest is built,
# every temporary file is written, the store noted the outputs about to be renamed, the
# first is renamed, all are, inside the store's transaction before it commits, recorded.
CHECKPOINTS = ("built", "temps-written", "intended", "first-renamed", "written", "recording", "recorded")


def digest_date(config: Config) -> date:
    if config.date is None:
        return date.today()
    try:
        day = iso_day(config.date)
    except ValueError:
        raise UsageError(f"--date {config.date!r}: expected YYYY-MM-DD") from None
    if day == date.max:  # the digest covers the day up to the next midnight
        raise UsageError(f"--date {config.date!r}: too far ahead (the last date is {date.max - timedelta(days=1)})")
    return day


def build(
    config: Config,
    history: History | None = None,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    feeds: "FeedBatch | None" = None,
    fetcher: "Fetcher | None" = None,
) -> Result:
    """Run every stage on ``config.inputs`` and the subscriptions' new entries.

    Args:
        config: the effective configuration.
        history: what earlier digests published (``State.history``); facts published
            before the digest's date are left out, updates are marked. None: no memory.
        progress: called with each name of ``STAGES`` once that stage is done.
        now: the moment ``config.since`` durations count back from (default: now).
        feeds: what the subscriptions gave (``feeds.read_feeds``, with the run's memory);
            None: subscriptions are fetched here, without memory.
        fetcher: the run's fetcher (one is made if anything is to be fetched).

    Raises:
        NoInputError: no input path, or nothing readable in it (or in the --since window).
        UsageError, ConfigError: bad settings.
    """
    done = progress or (lambda stage: None)
    subscribed = has_subscriptions(config)
    if not config.inputs and not subscribed:
        raise UsageError("no input: give one or more folders or files of articles (or feeds in digest.toml)")
    day = digest_date(config)
    ranker = get_ranker(config.algorithm)
    punkt_tokenizer(config.language)  # an unknown language fails here, before any reading
    filters = Filters.from_config(config)  # a bad pattern fails here, before any reading
    if feeds is None and subscribed:
        feeds, fetcher = read_subscriptions(config, day, None, fetcher, now)
    with workers(config.jobs) as map_:
        paths = list(config.inputs)
        input_urls(paths, config)
        files = discover(paths, config)
        try:
            ingested = collect(paths, files, map_(partial(read_one, config=config), files), config,
                               fetcher=fetcher, more=feeds.articles if feeds else ())
        except NoInputError as exc:
            if feeds is None:
                raise
            files_said = f"{exc.message}; " if paths else ""
            raise NoInputError(f"{files_said}no new article from the feeds ({feeds.summary()})") from None
        articles = published_by(ingested.articles, day, config)
        if config.since:
            articles = published_since(articles, since_moment(config.since, now), config)
        kept_articles, removed = mute_outlets(articles, filters)
        articles = _renumbered(articles, kept_articles, config, "from a muted outlet (mute_outlets)")
        done("read")
        sentences = [s for split in map_(partial(segment, language=config.language), articles) for s in split]
        done("segment")
        kept, drops = remove_boilerplate(articles, sentences, config, map_ if config.jobs > 1 else None)
        done("clean")
        analyser = Analyser.of(config)
        dedup = near_duplicates(kept, config, analyser=analyser)
        done("dedup")
        screening = screen(dedup.facts, history, config, analyser)
        if screening.recalls:
            log.info("%d facts already published before %s left out, %d updates kept",
                     len(screening.recalls) - len(screening.updates), day, len(screening.updates))
        done("recall")
        stories, muted = filter_stories(group_stories(articles, screening.facts, config, analyser=analyser), articles, filters)
        removed += muted
        alignment = align_stories(stories, config, analyser)
        stories = list(alignment.stories)
        done("align")
        if removed:
            log.info("filters left out %s", ", ".join(f"{n} {kind}s" for kind, n in counts(removed).items() if n))
        # Only disagreements between statements still on offer are news; a change from what an
        # earlier digest published is an update, marked as such.
        on_offer = {m for fact in screening.facts for m in fact.members}
        found = {(c.a, c.b): c for c in (*dedup.conflicts, *alignment.conflicts) if c.a in on_offer and c.b in on_offer}
        conflicts = tuple(sorted(found.values(), key=lambda c: (_where(c.a), _where(c.b))))
        stories, superseded = supersede(stories, conflicts, articles)
        merges = tuple(sorted((*dedup.merges, *alignment.merges, *superseded), key=lambda m: _where(m.dropped)))
        updated = {f.sentence for f in screening.updates}

        def noted(items: Sequence[Item]) -> tuple[Item, ...]:
            """Items with their notes: updates of earlier news, outlets that disagree."""
            return surface_conflicts(tuple(_mark_update(item, updated) for item in items), conflicts, articles)

        # Workers forked while the process was small rank the stories too (see ``workers``).
        sections, decisions = lay_out(stories, articles, ranker, config, noted, map_ if config.jobs > 1 else None, analyser)
        done("rank")
    sections = continuations(sections, screening.recalls, history)

    stats = Stats(
        articles=len(articles),
        sentences=len(sentences),
        duplicates_merged=len(merges),
        boilerplate_dropped=len(drops),
        skipped_files=len(ingested.skipped),
        conflicts=len(conflicts),
    )
    digest = Digest(
        date=day,
        title=config.title,
        sections=sections,
        articles=articles,
        stats=stats,
        merges=merges,
        drops=tuple(drops),
        conflicts=conflicts,
        stories=tuple(stories),
    )
    return Result(digest=digest, decisions=decisions, recalls=screening.recalls, removed=tuple(removed))


def _where(s) -> tuple:
    return (s.article, s.position, s.paragraph, s.text)


def _mark_update(item, updated):
    """The item marked as an update when its wording updates an earlier digest's fact."""
    if item.fact.sentence not in updated:
        return item
    return dataclasses.replace(item, note="update" if not item.note else f"update; {item.note}")


_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)  # ASCII digits only
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
_UNIT = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_moment(value: str, now: datetime | None = None) -> datetime:
    """The start of the --since window: "24h", "7d", "90m", "2w" count back from ``now``;
    YYYY-MM-DD means that day from 00:00 UTC; a full ISO date-time is taken as given
    (UTC when it has no offset)."""
    now = now or datetime.now(timezone.utc)
    found = _DURATION.match(value)
    if found:
        try:
            return now - timedelta(**{_UNIT[found.group(2).lower()]: float(found.group(1))})
        except OverflowError:
            raise UsageError(f"--since {value!r}: further back than any date") from None
    try:
        return datetime.combine(iso_day(value.strip()), time(), tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        if not _ISO_MOMENT.match(value.strip()):  # fromisoformat also takes 20261116 and 2026-W47
            raise ValueError
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
        raise NoInputError(f"{', '.join(map(str, config.inputs))}: every article is {left_out}")
    if len(kept) < len(articles):
        log.info("%d articles %s left out", len(articles) - len(kept), left_out)
    return tuple(dataclasses.replace(a, id=i) for i, a in enumerate(kept))


@contextmanager
def workers(jobs: int) -> Iterator[Callable[[Callable, Sequence], list]]:
    """An ordered map over ``jobs`` processes: ``map_(fn, items)`` is ``list(map(fn, items))``
    (the plain map for one job), so a stage's result never depends on ``jobs``.

    ``fn`` and the items must pickle (a module-level function or a ``functools.partial`` of
    one). ``build`` opens the pool before reading, while the process is small, and keeps it
    through ranking: a stage that wants it takes ``map_`` as an argument.
    """
    jobs = min(jobs, os.cpu_count() or 1)  # more processes than cores only cost memory
    if jobs <= 1:
        yield lambda fn, items: list(map(fn, items))
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for --jobs

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield lambda fn, items: list(pool.map(fn, items, chunksize=max(1, len(items) // (jobs * 4))))


def read_subscriptions(
    config: Config, day: date, store: Store | None, fetcher: "Fetcher | None" = None, now: datetime | None = None
) -> tuple["FeedBatch", "Fetcher"]:
    """The new entries of every subscription (``feeds.read_feeds``) and the run's fetcher."""
    from .feeds import read_feeds, subscriptions
    from .fetch import Fetcher

    fetcher = fetcher or Fetcher.from_config(config)
    return read_feeds(subscriptions(config), day, fetcher, store, now), fetcher


def feed_listing(config: Config, now: datetime | None = None) -> list:
    """Every subscription with its state (``feeds.listing``), read under the run's lock; a
    state file that does not exist yet is not created."""
    from .feeds import listing, subscriptions

    subscribed = subscriptions(config)
    states = {}
    path = state_path(config)
    if config.state.enabled and (path.exists() or path.is_symlink()):
        with lock(lock_path(config), config.lock_timeout):
            with Store.open(path, config.lock_timeout) as store:
                states = store.feed_states()
    return listing(subscribed, states, now)


def build_digest(config: Config) -> Digest:
    """The digest for ``config`` (see ``build``)."""
    return build(config).digest


def lock_path(config: Config) -> Path | None:
    """The lock file: beside the state, else in the output folder (none for --out - without state)."""
    if config.state.enabled:
        path = state_path(config)
        return path.with_name(path.name + ".lock")
    if config.out == "-":
        return None
    return Path(config.out) / ".digest.lock"


def _check_explain(config: Config, day: date, lock_file: Path | None) -> None:
    """``--explain`` must not name a file the run writes otherwise (it would silently replace it).

    Raises:
        UsageError: it names one of this run's outputs, an output of any date, the state,
            its lock or an input article.
    """
    if not config.explain:
        return
    explain = Path(config.explain)
    ours = [] if config.out == "-" else [*output_paths(day, tuple(FORMATS), config.out).values(),
                                         Path(config.out) / "index.html"]
    if config.state.enabled:
        ours.append(state_path(config))
    if lock_file is not None:
        ours.append(lock_file)
    if OUTPUT_NAME.match(explain.name) or explain.resolve() in {p.resolve() for p in ours}:
        raise UsageError(f"--explain {config.explain}: is a file digest writes (an output, the state or "
                         "its lock); name another file")
    try:
        mode = os.stat(explain).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):  # replacing /dev/full or a FIFO with a JSON file helps nobody
        raise UsageError(f"--explain {config.explain}: {kind(mode)}, not a file to write")
    if is_input(explain, config.inputs) and not is_explain_file(explain):  # an earlier run's may be replaced
        raise UsageError(f"--explain {config.explain}: is one of the input articles; name another file")


def _print(output: str | bytes, stream: TextIO | None) -> None:
    if stream is None:  # started with standard output closed
        raise OutputError("standard output: cannot write output: it is closed")
    with writing("standard output"):
        if isinstance(output, bytes):  # an .eml: bytes with CRLF, as written to a file
            stream.flush()
            stream.buffer.write(output)
        else:
            stream.write(output)
        stream.flush()


def run(
    config: Config,
    progress: Callable[[str], None] | None = None,
    stdout: TextIO | None = None,
    checkpoint: Callable[[str], None] | None = None,
) -> list[Path]:
    """What ``digest run`` does: lock, recall, build, write, then remember.

    Under an exclusive lock (waiting up to ``config.lock_timeout`` seconds): open the
    store, build the digest without the facts earlier dates published, put every output
    in place atomically, and only then record this date's published facts in one
    transaction (replacing a rerun's). A run killed at any point leaves the previous
    outputs and record, or the new ones. ``config.out == "-"`` prints the one format to
    ``stdout`` instead of writing files.

    Args:
        config: the effective configuration.
        progress: called with each name of ``STAGES`` once that stage is done.
        stdout: where ``--out -`` prints (default sys.stdout).
        checkpoint: called with each name of ``CHECKPOINTS`` as the run passes it (tests
            stop a run there to kill it).

    Returns:
        The files written (none for ``--out -``).

    Then, with ``[notify] urls``, the digest goes to the chat channels (``notify.notify``).

    Raises:
        TemporaryFailure: another run held the lock for ``config.lock_timeout`` seconds, or
            no chat channel could be reached (the files and the record are in place).
        StateError: the state database is damaged or not a digest state.
        OutputError: an output (or the state) cannot be written.
    """
    at = checkpoint or (lambda point: None)
    check_formats(config.formats)
    day = digest_date(config)
    if config.out == "-" and len(config.formats) != 1:
        raise UsageError("--out - prints one format: add --format text (or html, md, json, eml)")
    if config.out != "-" and Path(config.out).exists() and not Path(config.out).is_dir():
        raise OutputError(f"{config.out}: not a folder (--out names the folder the digest files go in)")
    where = lock_path(config)
    _check_explain(config, day, where)
    with lock(where, config.lock_timeout) if where else nullcontext():
        store = Store.open(state_path(config), config.lock_timeout) if config.state.enabled else None
        try:
            feeds, fetcher = read_subscriptions(config, day, store) if has_subscriptions(config) else (None, None)
            result = build(config, history=store.history(day) if store else None, progress=progress,
                           feeds=feeds, fetcher=fetcher)
            chosen = [item.fact for section in result.digest.sections for item in section.items]
            records = published_records(day, chosen, config) if store else ()
            extras = RunExtras(feeds=feeds.states if feeds else (), entries=feeds.entries if feeds else (),
                               stories=story_records(result.digest, config) if store else ())
            at("built")
            if config.out == "-":
                paths: list[Path] = [write_explain(result, config)] if config.explain else []
                _print(render_output(result.digest, config.formats[0], config), stdout or sys.stdout)
            else:
                remove_stale_temps(config.out)
                if config.explain:
                    remove_stale_temps(Path(config.explain).parent)
                intend = None if store is None else (lambda hashes: store.intend(day, records, hashes, extras))
                paths = write_outputs(result, config, before_rename=intend, checkpoint=at)
            at("written")
            if store is not None:
                store.record(day, records, paths, before_commit=lambda: at("recording"), extras=extras)
                at("recorded")
            if config.notify.urls:  # after the files and the record: a chat never announces a lost digest
                from .notify import notify

                notify(result.digest, config, store)
        finally:
            if store is not None:
                store.close()
    return paths
