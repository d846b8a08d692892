"""The pipeline: ingest -> segment -> clean -> dedup -> stories -> rank -> render.

``build_digest`` runs the stages and returns a ``Digest``; ``write_outputs``
renders it to files atomically. Both take one ``Config``.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .clean import remove_boilerplate
from .config import Config
from .dedup import near_duplicates
from .errors import OutputError, UsageError
from .ingest import ingest
from .models import Digest, Section, Stats
from .rank import Budget, Decision, get_ranker, surface_conflicts
from .render import FORMATS, render
from .segment import segment
from .stories import group_stories


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
    ingested = ingest(config.inputs, config)
    articles = ingested.articles
    sentences = [s for a in articles for s in segment(a, config.language)]
    kept, drops = remove_boilerplate(articles, sentences, config)
    dedup = near_duplicates(kept, config)
    stories = group_stories(articles, dedup.facts, config)

    sections: list[Section] = []
    decisions: list[Decision] = []
    for story, budget in zip(stories, share_budget(stories, config)):
        ranking = ranker(story.facts, articles, budget, config)
        decisions.extend(ranking.decisions)
        items = surface_conflicts(ranking.chosen, dedup.conflicts, articles)
        if items:
            sections.append(Section(title=story.title, articles=story.articles, items=items))

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


def share_budget(stories, config: Config) -> list[Budget]:
    """Split the word (and sentence) budget across stories in proportion to their facts."""
    total = sum(len(s.facts) for s in stories) or 1
    budgets = []
    for story in stories:
        share = len(story.facts) / total
        sentences = None if config.sentences is None else max(1, round(config.sentences * share))
        budgets.append(Budget(words=max(1, round(config.max_words * share)), sentences=sentences))
    return budgets


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


def render_output(digest: Digest, fmt: str, config: Config) -> str | bytes:
    """One output file's content: a template's text, or for "eml" the MIME message's bytes (CRLF)."""
    if fmt == "eml":
        from .email import message_bytes  # css_inline is only needed for email

        return message_bytes(digest, config)
    return render(digest, fmt, config.templates)


def write_outputs(result: Result, config: Config) -> list[Path]:
    """Render every format first, then put each file in place atomically.

    Rendering everything before writing anything means a failed render leaves
    the output folder as it was.
    """
    check_formats(config.formats)
    rendered = {fmt: render_output(result.digest, fmt, config) for fmt in config.formats}
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
