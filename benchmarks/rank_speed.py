"""How fast the default ranker is, against sumy's LexRank and at a whole day's scale.

    # from the project root
    PYTHONPATH=. python benchmarks/rank_speed.py ../shared/eval/multinews.jsonl --write BENCHMARKS.md

All clusters' documents together stand for one day of news (Articles with ids
unique across clusters). Two measurements, each in a fresh subprocess so the
peak resident memory (ru_maxrss) belongs to that run alone:

* head to head: the default ranker and sumy LexRank on the same first ~2,000
  sentences (--small), with the ratio of their times;
* the whole run on the same articles: ``digest run`` in a fresh process (start-up,
  reading, splitting, cleaning, dedup, stories, ranking, writing text, HTML and JSON),
  the articles written as ``.txt`` files, against sumy LexRank's ranking alone; the
  median of --repeat runs;
* a day: the default ranker on every sentence of the file, with its time and
  the process's peak memory (input included) next to the memory before ranking.

Times are the best of --repeat runs for the default ranker (one run for sumy),
as wall time and as the process's CPU time (less sensitive to a busy machine).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import articles_of, facts_of, read_clusters
from benchmarks.report import write_section


def day(path: str, max_sentences: int | None):
    """Articles and Facts of the file's clusters as one day, stopping once ``max_sentences`` is reached."""
    articles, facts = [], []
    for cluster in read_clusters(path):
        batch = articles_of(cluster["docs"], first_id=len(articles))
        articles += batch
        facts += facts_of(batch)
        if max_sentences is not None and sum(len(f.members) for f in facts) >= max_sentences:
            break
    return articles, facts


def measure(path: str, algorithm: str, max_sentences: int | None, words: int, repeat: int) -> dict:
    """Run one ranker in this process; what the parent reads from our stdout."""
    from digest.config import Config
    from digest.models import Budget
    from digest.rank import RANKERS

    articles, facts = day(path, max_sentences)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ranker, config, budget = RANKERS[algorithm], Config(), Budget(words=words)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        ranking = ranker(facts, articles, budget, config)
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - start_cpu)
    return {
        "algorithm": algorithm,
        "articles": len(articles),
        "sentences": sum(len(f.members) for f in facts),
        "facts": len(facts),
        "chosen": len(ranking.chosen),
        "seconds": best,
        "cpu_seconds": best_cpu,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_subprocess(path: str, algorithm: str, max_sentences: int | None, words: int, repeat: int) -> dict:
    """``measure`` in a fresh interpreter, so memory peaks do not mix."""
    args = [sys.executable, __file__, path, "--child", algorithm, "--words", str(words), "--repeat", str(repeat)]
    if max_sentences is not None:
        args += ["--small", str(max_sentences)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def whole_run(path: str, max_sentences: int, repeat: int) -> dict:
    """``digest run`` on the articles of the head-to-head, in a fresh process each time: median times."""
    articles, _ = day(path, max_sentences)
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="rank-speed-") as tmp:
        folder, out = Path(tmp) / "day", Path(tmp) / "out"
        folder.mkdir()
        for a in articles:
            (folder / f"doc{a.id:05d}.txt").write_text(a.body, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        command = [sys.executable, "-m", "digest", "run", str(folder), "--out", str(out), "--no-state",
                   "--date", "2026-11-20", "-q"]
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, check=True, env=env, capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        stats = json.loads((out / "digest-2026-11-20.json").read_text(encoding="utf-8"))["stats"]
    return {"articles": stats["articles"], "sentences": stats["sentences"], "seconds": statistics.median(walls),
            "cpu_seconds": statistics.median(cpus), "walls": walls}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="JSONL of {docs, summary}")
    parser.add_argument("--small", type=int, default=2000, help="sentences for the head-to-head (default 2000)")
    parser.add_argument("--words", type=int, default=450, help="word budget (default 450, the digest's)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the default ranker; the best counts")
    parser.add_argument("--write", metavar="MARKDOWN", help="refresh the speed section of the file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.data, args.child, args.small if args.small else None, args.words, args.repeat)))
        return 0

    ours = in_subprocess(args.data, "digest", args.small, args.words, args.repeat)
    run = whole_run(args.data, args.small, args.repeat)
    lexrank = in_subprocess(args.data, "lexrank", args.small, args.words, 1)
    whole = in_subprocess(args.data, "digest", 0, args.words, args.repeat)
    rows = [("digest", ours), ("sumy lexrank", lexrank), ("digest, whole file", whole)]
    lines = [
        f"{args.words}-word budget; sentences of `{Path(args.data).name}` as one day.",
        "",
        "| ranker | articles | sentences | facts | wall time (s) | CPU time (s) "
        "| peak RSS (MB) | RSS before ranking (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['articles']} | {r['sentences']} | {r['facts']} | {r['seconds']:.3f} "
            f"| {r['cpu_seconds']:.3f} | {r['rss_peak_mb']:.0f} | {r['rss_before_mb']:.0f} |"
        )
    command = "PYTHONPATH=. python benchmarks/rank_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines += [
        "",
        f"The default ranker is {lexrank['seconds'] / ours['seconds']:.0f}x faster than sumy LexRank in wall time "
        f"({lexrank['cpu_seconds'] / ours['cpu_seconds']:.0f}x in CPU time) on the same {ours['sentences']} sentences.",
        "",
        f"The whole run (`digest run` on those {run['articles']} articles as .txt files, in a fresh process: start-up, "
        f"reading, splitting ({run['sentences']} sentences), cleaning, dedup, stories, ranking, text + HTML + JSON "
        f"written; median of {len(run['walls'])}) takes {run['seconds']:.3f} s wall, {run['cpu_seconds']:.3f} s CPU: "
        f"{lexrank['seconds'] / run['seconds']:.0f}x faster than sumy LexRank's ranking alone in wall time "
        f"({lexrank['cpu_seconds'] / run['cpu_seconds']:.0f}x in CPU time), measured in the same run "
        f"(each whole run: {', '.join(f'{w:.3f}' for w in run['walls'])} s).",
        "",
        f"Regenerate: `{command}`",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}, "
        "2 cores shared with other jobs (times vary by a few tens of percent).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(Path(args.write), "speed", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
