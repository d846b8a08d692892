"""Scale benchmark of near_duplicates() on a day of news built from Multi-News.

Command (from the project root; writes the scale part of BENCHMARKS.md):

    PYTHONPATH=. python benchmarks/dedup_scale.py [--multinews ../shared/eval/multinews.jsonl] [--copies 1]

Every document of every cluster becomes one article, segmented with digest.segment
(~30,000 sentences for the 298 clusters). Measured, each in a fresh subprocess so peak
memory (``ru_maxrss``) belongs to that step alone:

* ``near_duplicates()`` end to end with the default scorer: wall time, sentences per second,
  peak memory (and the memory of the same process just before the call);
* candidate recall: every pair the verifier accepts (a merge rule, or a conflict) among
  *all* pairs, against those it accepts among the generated candidates. "All pairs" is
  exhaustive: the verifier rejects any pair whose shorter side has under
  ``MIN_OVERLAP`` of its content stems in the other, so computing that overlap for every
  pair (sparse products, in chunks) and verifying every pair that passes is exactly the
  all-pairs comparison at the same threshold, without 450 million Python calls.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_common import default_eval_path, write_section  # noqa: E402


def day_of_news(path: Path, copies: int = 1):
    """Sentences of every Multi-News document, one article per document."""
    from digest.models import Article
    from digest.segment import segment

    sentences = []
    article_id = 0
    with path.open(encoding="utf-8") as handle:
        clusters = [json.loads(line) for line in handle if line.strip()]
    for _ in range(copies):
        for cluster in clusters:
            for doc in cluster["docs"]:
                article = Article(id=article_id, url=f"{cluster['id']}/{article_id}", title="", outlet=None,
                                  published=None, body=doc, path=cluster["id"])
                sentences.extend(segment(article))
                article_id += 1
    return sentences, article_id


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child_run(path: Path, copies: int) -> dict:
    from digest.config import Config
    from digest.dedup import near_duplicates

    sentences, articles = day_of_news(path, copies)
    before = peak_mb()
    started = time.perf_counter()
    result = near_duplicates(sentences, Config())
    seconds = time.perf_counter() - started
    return {
        "sentences": len(sentences), "articles": articles, "seconds": seconds,
        "facts": len(result.facts), "merges": len(result.merges), "conflicts": len(result.conflicts),
        "rules": {r: sum(1 for m in result.merges if m.rule == r) for r in ("exact", "near-duplicate", "paraphrase", "subsumed")},
        "peak_mb": peak_mb(), "before_mb": before,
    }


def child_recall(path: Path, copies: int) -> dict:
    import numpy as np

    from digest.analysis import Analyser
    from digest.config import Config
    from digest.dedup import candidate_pairs, make_scorer, verify

    sentences, _ = day_of_news(path, copies)
    scorer = make_scorer(Config().replace(dedup_mode="fuzzy"))
    analyse = Analyser("english")
    info = [analyse(s.text) for s in sentences]
    contents = [a.content for a in info]

    def accepted(pairs):
        pairs = [(i, j) for i, j in pairs.tolist() if sentences[i].article != sentences[j].article]
        found = verify([info[i] for i, _ in pairs], [info[j] for _, j in pairs], scorer)
        return {p for p, m in zip(pairs, found) if m is not None}

    started = time.perf_counter()
    groups = [s.article for s in sentences]
    fast = candidate_pairs(contents, groups=groups)
    fast_seconds = time.perf_counter() - started
    started = time.perf_counter()
    full = candidate_pairs(contents, groups=groups, exhaustive=True, chunk=512)
    full_seconds = time.perf_counter() - started
    found_fast = accepted(fast)
    started = time.perf_counter()
    found_full = accepted(full)
    verify_seconds = time.perf_counter() - started
    n = len(sentences)
    return {
        "sentences": n, "all_pairs": n * (n - 1) // 2,
        "candidates": int(len(fast)), "candidate_seconds": fast_seconds,
        "gate_pairs": int(len(full)), "exhaustive_gate_seconds": full_seconds, "exhaustive_verify_seconds": verify_seconds,
        "accepted_all_pairs": len(found_full), "accepted_candidates": len(found_fast & found_full),
        "recall": len(found_fast & found_full) / len(found_full) if found_full else 1.0,
        "extra_in_candidates": len(found_fast - found_full),
    }


def in_child(mode: str, path: Path, copies: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--multinews", str(path), "--copies", str(copies)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multinews", type=Path, default=None, help="Multi-News JSONL (default ../shared/eval/multinews.jsonl)")
    parser.add_argument("--copies", type=int, default=1, help="repeat the day this many times (bigger inputs)")
    parser.add_argument("--no-recall", action="store_true", help="skip the exhaustive all-pairs comparison")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--child", choices=("run", "recall"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path = args.multinews or default_eval_path("multinews.jsonl")
    if args.child:
        fn = child_run if args.child == "run" else child_recall
        print(json.dumps(fn(path, args.copies)))
        return 0
    run = in_child("run", path, args.copies)
    print(json.dumps(run), flush=True)
    recall = None if args.no_recall else in_child("recall", path, args.copies)
    if recall:
        print(json.dumps(recall), flush=True)
    lines = [
        "### Dedup: a day of news at scale",
        "",
        f"Input: every document of {path.name} as one article ({run['articles']:,} articles, "
        f"{run['sentences']:,} sentences after digest.segment; copies={args.copies}). Default scorer, "
        "one process, on the shared 2-core machine.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| near_duplicates() wall time | {run['seconds']:.1f} s |",
        f"| sentences per second | {run['sentences'] / run['seconds']:,.0f} |",
        f"| facts / merges / conflicts | {run['facts']:,} / {run['merges']:,} / {run['conflicts']:,} |",
        f"| merges by rule (exact / near-duplicate / subsumed) | {run['rules']['exact']:,} / {run['rules']['near-duplicate']:,} / {run['rules']['subsumed']:,} |",
        f"| peak memory (ru_maxrss), whole process | {run['peak_mb']:.0f} MB |",
        f"| memory before the call (sentences loaded) | {run['before_mb']:.0f} MB |",
    ]
    if recall:
        lines += [
            f"| all pairs | {recall['all_pairs']:,} |",
            f"| candidate pairs generated (rare-stem index + overlap gate) | {recall['candidates']:,} ({recall['candidate_seconds']:.1f} s) |",
            f"| exhaustive: pairs passing the verifier's overlap gate | {recall['gate_pairs']:,} ({recall['exhaustive_gate_seconds']:.1f} s) |",
            f"| exhaustive: pairs the verifier accepts (merge rule or conflict, different articles) | {recall['accepted_all_pairs']:,} (verified in {recall['exhaustive_verify_seconds']:.0f} s) |",
            f"| of those, found among the candidates | {recall['accepted_candidates']:,} |",
            f"| **candidate recall vs all pairs** | **{recall['recall']:.4f}** |",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", "scale", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
