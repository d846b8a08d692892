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
sentences of each article, round-robin), the published baselines of
benchmarks/baselines.py ("centroid": MEAD, "icsi": Gillick & Favre's concept ILP,
"icsi-2docs": the same with concepts kept from 2 documents, as most Multi-News
clusters have 2 or 3, "lin-bilmes": submodular coverage + diversity), with --ablation the default with
one signal switched off at a time, and with --sensitivity the default with each
RankerSettings parameter moved down and up. --systems picks a subset. --write replaces
this run's section of BENCHMARKS.md (between <!-- SECTION:start/end --> markers).

--bytes 665 is DUC's setting: every system chooses within the word budget (--words,
100 by default for a byte budget, about what 665 bytes hold), the text is cut at 665
bytes, and ROUGE recall is reported (--measure recall), as DUC and the held-out
newswire figures of issue 13 are.
"""
from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

from rouge_score import rouge_scorer

from benchmarks.baselines import centroid_ranker, document_frequencies, icsi_ranker, lin_bilmes_ranker
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


# Where a parameter has a natural range, the moves stay inside it; any other number moves x0.5 and x2.
_MOVES = {"redundancy": (0.3, 0.7), "damping": (0.7, 0.95), "copy_credit": (0.0, 0.5), "partial_credit": (0.0, 1.0)}


def sensitivity_variants() -> dict[str, Ranker]:
    """The default ranker with each numeric RankerSettings field moved down and up, one at a time."""
    default = RankerSettings()
    table: dict[str, Ranker] = {}
    for field in dataclasses.fields(RankerSettings):
        value = getattr(default, field.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        moves = _MOVES.get(field.name, (value * 0.5, value * 2.0) if value else (0.5, 1.0))
        for moved in moves:
            if moved != value:
                table[f"digest {field.name}={moved:g} (default {value:g})"] = digest_ranker(
                    dataclasses.replace(default, **{field.name: type(value)(moved)}))
    return table


def systems(names: list[str] | None, ablation: bool, background=None, sensitivity: bool = False) -> dict[str, Ranker]:
    """The rankers to compare, by display name."""
    table: dict[str, Ranker] = {"digest": RANKERS["digest"], "lead": lead}
    table.update({name: RANKERS[name] for name in SUMY_ALGORITHMS})
    table.update({"centroid": centroid_ranker(background), "icsi": icsi_ranker(),
                  "icsi-2docs": icsi_ranker(min_documents=2), "lin-bilmes": lin_bilmes_ranker()})
    if names:
        table = {name: table[name] for name in names}
    if ablation:
        for signal in (*SIGNALS, "coverage"):
            table[f"digest - {signal}"] = digest_ranker(dataclasses.replace(RankerSettings(), **{signal: 0.0}))
    if sensitivity:
        table.update(sensitivity_variants())
    return table


def summary_text(ranking: Ranking, budget_words: int, budget_bytes: int | None = None) -> str:
    """The chosen sentences in reading order, cut to the word budget (and to ``budget_bytes``)."""
    tokens = " ".join(item.fact.text for item in ranking.chosen).split()
    kept, count = [], 0
    for token in tokens:
        count += len(words(token))
        if count > budget_words:
            break
        kept.append(token)
    text = " ".join(kept)
    if budget_bytes is not None:
        text = text.encode("utf-8")[:budget_bytes].decode("utf-8", errors="ignore")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="JSONL of {docs, summary}")
    parser.add_argument("--words", type=int, help="word budget (default 250; 100 with --bytes)")
    parser.add_argument("--bytes", type=int, help="also cut every summary at this many bytes (DUC: 665)")
    parser.add_argument("--measure", choices=("f1", "recall"), help="ROUGE F1 (default) or recall (default with --bytes)")
    parser.add_argument("--sensitivity", action="store_true", help="also the default with each parameter moved")
    parser.add_argument("--limit", type=int, help="use the first N clusters only")
    parser.add_argument(
        "--max-sentences", type=int, default=2000,
        help="skip clusters with more sentences, for every system (default 2000: sumy is quadratic or worse)",
    )
    parser.add_argument(
        "--min-docs", type=int, default=1,
        help="only clusters of at least N documents (4: the Multi-News clusters closest to DUC's ten)",
    )
    parser.add_argument("--systems", help="comma-separated subset, e.g. digest,lead,lexrank")
    parser.add_argument("--ablation", action="store_true", help="also the default with each signal off")
    parser.add_argument("--write", metavar="MARKDOWN", help="refresh this run's section of the file")
    parser.add_argument("--section", default="rouge", help="marker name of the section (default rouge)")
    args = parser.parse_args(argv)
    if args.words is None:
        args.words = 100 if args.bytes else 250
    measure = args.measure or ("recall" if args.bytes else "f1")

    # Each cluster keeps its line's number: halves A / B stay the file's odd / even lines.
    lines_of = [(k, c) for k, c in enumerate(read_clusters(args.data, args.limit)) if len(c["docs"]) >= args.min_docs]
    clusters = [c for _, c in lines_of]
    skipped = 0
    names = args.systems.split(",") if args.systems else None
    # MEAD's IDF comes from a background collection: every document read from the file.
    background = document_frequencies(d for c in clusters for d in c["docs"]) if not names or "centroid" in names else None
    table = systems(names, args.ablation, background, args.sensitivity)
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
            result = scorer.score(cluster["summary"], summary_text(ranking, args.words, args.bytes))
            scores[name].append((lines_of[number][0], *(100 * getattr(result[key], "fmeasure" if measure == "f1" else "recall")
                                           for key in ("rouge1", "rouge2", "rougeL"))))
        print(f"\r{number + 1}/{len(clusters)} clusters", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    def mean(rows, column, half=None):
        picked = [r[1 + column] for r in rows if half is None or r[0] % 2 == half]
        return sum(picked) / len(picked) if picked else float("nan")

    budget_label = f"{args.bytes}-byte summaries (chosen within {args.words} words)" if args.bytes else f"{args.words}-word budget"
    lines = [
        f"{len(clusters) - skipped} clusters of `{Path(args.data).name}`"
        f"{f' of {args.min_docs} documents or more' if args.min_docs > 1 else ''} ({skipped} of the {len(clusters)} read "
        f"skipped for having over {args.max_sentences} sentences), {budget_label}, "
        f"{'F1' if measure == 'f1' else 'recall'} × 100 (A / B: clusters on odd / even lines of the file).",
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
