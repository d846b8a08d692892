"""Recall: the screening stage, so a reader never gets yesterday's news again.

Before ranking, ``screen`` takes the day's facts out when an *earlier* digest published
them, unless the new wording adds numbers or names the old one lacked: then the fact
stays, marked as an update. Facts recorded for the digest's own date are never "old",
so re-running a date rebuilds the same digest.

Matching is robust to rewording: a fact is reduced to its content-word stems and
numbers (``models.Analysis``); its fingerprint is the hash of that sorted set, and the
lookup is fuzzy: earlier facts sharing enough stems (a sparse stem matrix, so thousands
of facts cost milliseconds) are verified with the dedup stage's own scorer. What was
published comes from ``store.Store.history``; ``published`` makes the records the store
keeps of the facts a digest published.
"""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Sequence

import numpy as np

from .config import Config
from .analysis import CALENDAR_WORDS, Analyser
from .dedup import MIN_OVERLAP, content_matrix, make_scorer, verify
from .models import Analysis, Fact, History, Published, Recall, Screening

__all__ = ["CALENDAR_WORDS", "UPDATE", "fingerprint", "published", "screen"]

UPDATE = "update"
# Earlier facts verified per sentence of the day, best overlap first: bounds the work
# however long the memory grows.
CANDIDATES = 20


def fingerprint(analysis: Analysis) -> str:
    """The same for two wordings with the same content stems and numbers."""
    return hashlib.sha1(" ".join(sorted(analysis.content)).encode("utf-8")).hexdigest()


def published(day: date, facts: Sequence[Fact], config: Config) -> tuple[Published, ...]:
    """What the store keeps of ``facts`` published on ``day``: one record per fingerprint."""
    analyse = Analyser(config.language)  # the stored stems and names are of plain analyses
    records: dict[str, Published] = {}
    for fact in facts:
        a = analyse(fact.text)
        fp = fingerprint(a)
        records.setdefault(fp, Published(day.isoformat(), fp, fact.text, a.content, a.numbers, a.names))
    return tuple(records.values())


def screen(facts: Sequence[Fact], history: History | None, config: Config, analyser: Analyser | None = None) -> Screening:
    """Leave out facts published on an earlier date; keep and mark those that add to one.

    A fact matches an earlier one when any of its sentences would have merged with it
    in the dedup stage (near-duplicate, subsumed or the same), or is that close but
    disagrees on numbers or names. A matched fact stays only if its wording carries a
    number or name that no matched earlier fact had ("18 votes" after "16 votes").
    """
    if history is None or not history.published or not facts:
        return Screening(tuple(facts), frozenset(), ())
    scorer = make_scorer(config)
    analyse = analyser or Analyser(config.language)
    old = history.published
    members = []  # (fact index, sentence), one per distinct wording of each fact
    for f, fact in enumerate(facts):
        seen: set[str] = set()
        for s in fact.members:
            if s.text not in seen:
                seen.add(s.text)
                members.append((f, s))
    analyses = [analyse(s.text) for _, s in members]
    pairs = _overlapping([a.content for a in analyses], [p.tokens for p in old])

    matched: dict[int, dict[int, bool]] = {}  # fact index -> {old index: same statement?}
    cosines = None
    if scorer.uses_vectors and pairs:
        new_vectors = analyse.vectors([members[m][1].text for m, _ in pairs])
        old_vectors = analyse.vectors([old[o].text for _, o in pairs])
        if new_vectors is None or old_vectors is None:
            scorer = make_scorer(config.replace(dedup_mode="fuzzy"))
        else:
            cosines = np.einsum("ij,ij->i", new_vectors, old_vectors)
    found = verify([analyses[m] for m, _ in pairs], [analyse(old[o].text) for _, o in pairs], scorer, cosines)
    for (m, o), match in zip(pairs, found):
        if match is None:
            continue
        f, sentence = members[m]
        same = match.rule is not None
        related = same or (bool(match.conflicts) and match.score >= scorer.threshold)
        if related:
            seen = matched.setdefault(f, {})
            seen[o] = seen.get(o, False) or same

    said: set[str] | None = None

    def said_names() -> set[str]:
        nonlocal said
        if said is None:
            said = set()
            for p in old:
                said |= p.names | set(analyse(p.text).norm.split())
        return said

    kept: list[Fact] = []
    updates: set[Fact] = set()
    recalls: list[Recall] = []
    for f, fact in enumerate(facts):
        found = matched.get(f)
        if not found:
            kept.append(fact)
            continue
        earlier = tuple(old[o] for o in sorted(found))
        numbers: set[str] = set()
        words: set[str] = set()
        for p in earlier:
            numbers |= p.numbers
            words |= p.names | set(analyse(p.text).norm.split())
        rep = analyse(fact.text)
        # A number is new when the matched statements lacked it ("55" after "40"). A name
        # is new when the statement was the same but no earlier digest ever said that
        # name (naming the town again is not news), or when the statements disagree on
        # names and the matched ones lacked it ("Mayor Berg" where "Mayor Lund" was).
        same = any(found.values())
        names = rep.names - (said_names() if same else words) - CALENDAR_WORDS
        added = tuple(sorted((rep.numbers - numbers) | names))
        if added:
            kept.append(fact)
            updates.add(fact)
            recalls.append(Recall(fact, UPDATE, earlier, added))
        else:
            recalls.append(Recall(fact, "already published", earlier))
    return Screening(tuple(kept), frozenset(updates), tuple(recalls))


def _overlapping(
    new: Sequence[frozenset[str]],
    old: Sequence[frozenset[str]],
    top: int = CANDIDATES,
    chunk: int = 256,
) -> list[tuple[int, int]]:
    """(new, old) index pairs worth verifying, sorted.

    A pair qualifies when the smaller side has MIN_OVERLAP of its stems in the other; of
    those, each new sentence keeps its ``top`` earlier facts by Jaccard similarity, so the
    verifier runs at most ``top`` times per sentence however large the history grows.
    """
    if not new or not old:
        return []
    both, _ = content_matrix([*new, *old])  # one vocabulary for both sides
    a, b = both[:len(new)], both[len(new):]
    size_a = np.diff(a.indptr)
    size_b = np.diff(b.indptr)
    bt = b.T.tocsr()
    out: list[tuple[int, int]] = []
    for start in range(0, a.shape[0], chunk):
        shared = (a[start:start + chunk] @ bt).tocoo()
        rows, cols, inter = shared.row + start, shared.col, shared.data
        small = np.minimum(size_a[rows], size_b[cols])
        ok = (small > 0) & (inter >= MIN_OVERLAP * small)
        rows, cols, inter = rows[ok], cols[ok], inter[ok]
        if not len(rows):
            continue
        jaccard = inter / (size_a[rows] + size_b[cols] - inter)
        order = np.lexsort((cols, -jaccard, rows))
        rows, cols = rows[order], cols[order]
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(firsts, np.diff(np.r_[firsts, len(rows)]))
        keep = rank < top
        out.extend(zip(rows[keep].tolist(), cols[keep].tolist()))
    out.sort()
    return out
