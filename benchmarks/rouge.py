"""ROUGE of every ranker against human summaries of multi-document news clusters.

    # from the project root; BENCHMARKS.md lists the exact runs behind its tables
    PYTHONPATH=. python benchmarks/rouge.py ../shared/eval/multinews.jsonl --words 250 --limit 100 --ablation \
        --section rouge-100 --write BENCHMARKS.md

reads any JSONL of {"docs": [str, ...], "summary": str}. Each cluster's documents
become Articles, their sentences Facts as the pipeline makes them (boilerplate
dropped, near-duplicates merged by digest/dedup.py; see benchmarks/common.py),
and every system picks sentences from the same Facts within the same word
budget; the selection, in reading order, is cut to the budget and scored with
rouge-score (Porter stemming) against the summary: ROUGE-1, ROUGE-2 and ROUGE-L
F1, times 100, averaged over clusters. Halves A and B (clusters on odd and even
lines of the file) show whether the ordering of systems holds on each half.
Clusters with more than --max-sentences sentences are skipped for every system
(sumy's algorithms are quadratic or worse in the number of sentences).

Systems: "digest" (the default ranker), every sumy algorithm, "lead" (first
sentences of each article, round-robin), and with --ablation the default with
one signal switched off at a time. --systems picks a subset. --write replaces
this run's section of BENCHMARKS.md (between <!-- SECTION:start/end --> markers).
"""
from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

from rouge_score import rouge_scorer

from benchmarks.common import articles_of, facts_of, read_clusters
from benchmarks.report import write_section
from digest.config import Config
from digest.models import Budget, Ranking
from digest.rank import RANKERS, SUMY_ALGORITHMS, Ranker, greedy_select
from digest.ranker import SIGNALS, RankerSettings, digest_ranker
from digest.segment import words


def lead(facts, articles, budget, config) -> Ranking:
    """First sentences of each article in turn: the baseline news summaries must beat."""
    order = sorted(range(len(facts)), key=lambda i: (facts[i].sentence.position, facts[i].sentence.article))
    scores = [0.0] * len(facts)
    for rank, i in enumerate(order):
        scores[i] = -float(rank)
    return greedy_select(facts, scores, budget)


def systems(names: list[str] | None, ablation: bool) -> dict[str, Ranker]:
    """The rankers to compare, by display name."""
    table: dict[str, Ranker] = {"digest": RANKERS["digest"], "lead": lead}
    table.update({name: RANKERS[name] for name in SUMY_ALGORITHMS})
    if names:
        table = {name: table[name] for name in names}
    if ablation:
        for signal in (*SIGNALS, "coverage"):
            table[f"digest - {signal}"] = digest_ranker(dataclasses.replace(RankerSettings(), **{signal: 0.0}))
    return table


def summary_text(ranking: Ranking, budget_words: int) -> str:
    """The chosen sentences in reading order, cut to the word budget."""
    tokens = " ".join(item.fact.text for item in ranking.chosen).split()
    kept, count = [], 0
    for token in tokens:
        count += len(words(token))
        if count > budget_words:
            break
        kept.append(token)
    return " ".join(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="JSONL of {docs, summary}")
    parser.add_argument("--words", type=int, default=250, help="word budget (default 250)")
    parser.add_argument("--limit", type=int, help="use the first N clusters only")
    parser.add_argument(
        "--max-sentences", type=int, default=2000,
        help="skip clusters with more sentences, for every system (default 2000: sumy is quadratic or worse)",
    )
    parser.add_argument("--systems", help="comma-separated subset, e.g. digest,lead,lexrank")
    parser.add_argument("--ablation", action="store_true", help="also the default with each signal off")
    parser.add_argument("--write", metavar="MARKDOWN", help="refresh this run's section of the file")
    parser.add_argument("--section", default="rouge", help="marker name of the section (default rouge)")
    args = parser.parse_args(argv)

    clusters = read_clusters(args.data, args.limit)
    skipped = 0
    table = systems(args.systems.split(",") if args.systems else None, args.ablation)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    config = Config()
    budget = Budget(words=args.words)
    scores = {name: [] for name in table}
    seconds = dict.fromkeys(table, 0.0)
    for number, cluster in enumerate(clusters):
        articles = articles_of(cluster["docs"])
        facts = facts_of(articles)
        if sum(len(f.members) for f in facts) > args.max_sentences:
            skipped += 1
            continue
        for name, ranker in table.items():
            start = time.perf_counter()
            ranking = ranker(facts, articles, budget, config)
            seconds[name] += time.perf_counter() - start
            result = scorer.score(cluster["summary"], summary_text(ranking, args.words))
            scores[name].append((number, *(100 * result[key].fmeasure for key in ("rouge1", "rouge2", "rougeL"))))
        print(f"\r{number + 1}/{len(clusters)} clusters", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    def mean(rows, column, half=None):
        picked = [r[1 + column] for r in rows if half is None or r[0] % 2 == half]
        return sum(picked) / len(picked) if picked else float("nan")

    lines = [
        f"{len(clusters) - skipped} clusters of `{Path(args.data).name}` ({skipped} of the {len(clusters)} read "
        f"skipped for having over {args.max_sentences} sentences), {args.words}-word budget, F1 × 100 "
        f"(A / B: clusters on odd / even lines of the file).",
        "",
        "| system | ROUGE-1 | ROUGE-2 | ROUGE-L | R-1 A / B | R-2 A / B | ranking time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(table, key=lambda n: -mean(scores[n], 1)):
        rows = scores[name]
        lines.append(
            f"| {name} | {mean(rows, 0):.2f} | {mean(rows, 1):.2f} | {mean(rows, 2):.2f} "
            f"| {mean(rows, 0, 0):.2f} / {mean(rows, 0, 1):.2f} | {mean(rows, 1, 0):.2f} / {mean(rows, 1, 1):.2f} "
            f"| {seconds[name]:.1f} |"
        )
    command = "PYTHONPATH=. python benchmarks/rouge.py " + " ".join(argv if argv is not None else sys.argv[1:])
    machine = f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}."
    lines += ["", f"Regenerate: `{command}`", machine]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(Path(args.write), args.section, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
