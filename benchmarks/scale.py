"""Scale benchmark: the whole run on days of 1,000 to 64,000 articles, with near-copies.

    PYTHONPATH=. nice -n 10 python benchmarks/scale.py [../shared/eval/multinews.jsonl]
        [--sizes 1000,4000,16000,64000] [--jobs N] [--max-rss-gb 8] [--write BENCHMARKS.md]

A day of N articles cycles through every Multi-News document (837): the first pass is the
documents as they are, every later pass a near-copy, as wire copy and light rewrites make
them: 3% of the words edited (each edit a word replaced by another of the same document,
a word deleted, or a word of the document inserted), seeded by the article's number, so
every run builds the same day. Each article is a ``.txt`` file with front matter: the
outlet of its pass (``Outlet 7`` carries the 8th copy of every story), a URL, and a
publication time within the day.

Each size runs once in a fresh subprocess (``pipeline.build`` on the folder, then the text,
HTML and JSON outputs rendered, state off), so peak memory is the run's alone: the child's
``ru_maxrss`` (with ``--jobs`` also its workers'), and the parent polls the child's RSS
from /proc and stops it past ``--max-rss-gb`` (reported as stopped, with the time and the
memory it had reached), so a quadratic step cannot take the shared machine down. Stage
times come from the pipeline's progress callback (read, segment, clean, dedup, recall, align,
rank) and from timing the stories stage inside the align part; "render" is the three outputs. The
growth exponent between two sizes is log(t2/t1) / log(n2/n1): 1 is linear.

With ``--write`` the table replaces the part of that file between ``<!-- scale:start -->``
and ``<!-- scale:end -->``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = ("read", "segment", "clean", "dedup", "recall", "stories", "align", "rank", "render")
EDIT_SHARE = 0.03
DATE = "2026-11-20"
_SEPARATOR = re.compile(r"\s*\|{3,}\s*")  # Multi-News' document-boundary marks: not prose
_TOKENS = re.compile(r"(\s+)")


def default_data() -> Path:
    for folder in [ROOT, *ROOT.parents]:
        candidate = folder.parent / "shared" / "eval" / "multinews.jsonl"
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "eval" / "multinews.jsonl"


def documents(jsonl: Path) -> list[tuple[str, str]]:
    """(true story id, text) of every document, in file order."""
    docs = []
    with jsonl.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                docs.extend((row["id"], _SEPARATOR.sub("\n\n", doc).strip()) for doc in row["docs"])
    return docs


def near_copy(text: str, seed: int, share: float = EDIT_SHARE) -> str:
    """``text`` with ``share`` of its words edited (replaced, deleted or a word inserted); spacing kept."""
    import numpy as np

    tokens = _TOKENS.split(text)
    words = list(range(0, len(tokens), 2))
    rng = np.random.default_rng(seed)
    edits = max(1, round(share * len(words)))
    for k, op in zip(rng.choice(len(words), size=min(edits, len(words)), replace=False), rng.integers(0, 3, edits)):
        i = words[int(k)]
        other = tokens[words[int(rng.integers(len(words)))]]
        if op == 0:
            tokens[i] = other
        elif op == 1:
            tokens[i] = ""
        else:
            tokens[i] = f"{other} {tokens[i]}"
    return "".join(tokens)


def make_day(docs: list[tuple[str, str]], size: int, folder: Path) -> dict[str, str]:
    """Write ``size`` articles into ``folder``; return file name -> true story id."""
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(size):
        story, text = docs[i % len(docs)]
        copy = i // len(docs)
        body = text if copy == 0 else near_copy(text, seed=i)
        minute = (i * 7919) % (24 * 60)
        name = f"a{i:06d}.txt"
        (folder / name).write_text(
            f"---\noutlet: Outlet {copy}\nurl: https://outlet{copy}.example/{i}\n"
            f"published: {DATE}T{minute // 60:02d}:{minute % 60:02d}:00+00:00\n---\n{body}\n",
            encoding="utf-8",
        )
        truth[name] = story
    return truth


# --------------------------------------------------------------------------- the measured run


def child(folder: str, jobs: int) -> dict:
    """One run on ``folder``; its figures as a dict (printed as JSON by ``--child``)."""
    import logging

    import digest.pipeline as pipeline
    from digest.config import load_config
    from digest.output import render_output

    logging.getLogger("digest").setLevel(logging.ERROR)
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    marks = [(time.perf_counter(), _cpu())]

    def progress(stage: str) -> None:
        now = (time.perf_counter(), _cpu())
        seconds[stage], cpu_seconds[stage] = now[0] - marks[-1][0], now[1] - marks[-1][1]
        marks.append(now)

    group = pipeline.group_stories

    def timed_stories(*args, **kwargs):
        started, cpu = time.perf_counter(), _cpu()
        try:
            return group(*args, **kwargs)
        finally:
            seconds["stories"], cpu_seconds["stories"] = time.perf_counter() - started, _cpu() - cpu

    pipeline.group_stories = timed_stories
    config = load_config(flags={"inputs": [folder], "date": DATE, "jobs": jobs}, environ={})
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu()
    marks[0] = (started, cpu)
    result = pipeline.build(config, progress=progress)
    rendered, rendered_cpu = time.perf_counter(), _cpu()
    sizes = {fmt: len(render_output(result.digest, fmt, config)) for fmt in ("text", "html", "json")}
    seconds["render"], cpu_seconds["render"] = time.perf_counter() - rendered, _cpu() - rendered_cpu
    # The pipeline's "align" mark covers the stories stage and the alignment.
    seconds["align"] -= seconds.get("stories", 0.0)
    cpu_seconds["align"] -= cpu_seconds.get("stories", 0.0)
    wall = time.perf_counter() - started
    digest = result.digest
    return {
        "seconds": wall, "cpu": _cpu() - cpu, "stages": seconds, "stage_cpu": cpu_seconds, "peak_mb": _peak_mb(jobs),
        "articles": digest.stats.articles, "sentences": digest.stats.sentences,
        "merges": digest.stats.duplicates_merged, "conflicts": digest.stats.conflicts,
        "sections": len(digest.sections), "items": sum(len(s.items) for s in digest.sections),
        "output_chars": sizes, "load": [load, os.getloadavg()[0]],
    }


def _peak_mb(jobs: int) -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if jobs > 1:
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return peak


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the --jobs workers), from /proc."""
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def run_size(folder: Path, jobs: int, max_rss_mb: float) -> dict:
    """The child run on ``folder``, stopped if its memory passes ``max_rss_mb``."""
    command = [sys.executable, __file__, "--child", str(folder), "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
        seen = 0.0
        while proc.poll() is None:
            seen = max(seen, _rss_mb(proc.pid))
            if seen > max_rss_mb:
                proc.kill()
                proc.wait()
                return {"stopped": True, "seconds": time.perf_counter() - started, "peak_mb": seen}
            time.sleep(0.2)
        if proc.returncode != 0:
            raise SystemExit(f"child failed on {folder}:\n{proc.stderr.read()}")
        out.seek(0)
        result = json.loads(out.read())
    result["polled_peak_mb"] = seen
    return result


# --------------------------------------------------------------------------- report


def exponent(a: dict, b: dict, key: str) -> float | None:
    if a.get("stopped") or b.get("stopped"):
        return None
    return math.log(b[key] / a[key]) / math.log(b["articles"] / a["articles"])


def report(data: Path, sizes: list[int], results: list[dict], jobs: int, command: str) -> str:
    lines = [
        "## Scale: the whole run on days of near-copy articles",
        "",
        f"Command: `{command}`",
        "",
        f"Input: days of 1,000 to 64,000 articles cycled from the {len(documents(data))} Multi-News documents of "
        f"`{data.name}`; every pass after the first is a near-copy with {EDIT_SHARE:.0%} of its words edited "
        "(replaced, deleted or a word inserted), each pass a different outlet, times within the day. "
        f"One run per size in a fresh process (`pipeline.build` + text, HTML and JSON rendered, no state, `--jobs {jobs}`); "
        "peak memory is the process's RSS high-water mark (`ru_maxrss`). 2-core machine shared with other work: "
        "the load average (1 min) at the start of each run is given, and each stage is given as CPU seconds "
        "(its share of the run's CPU time), which other work on the machine disturbs less than wall time.",
        "",
        "| articles | sentences | wall s | CPU s | peak MB | load | " + " | ".join(STAGES) + " |",
        "| --- " * (6 + len(STAGES)) + "|",
    ]
    for size, r in zip(sizes, results):
        if r.get("stopped"):
            lines.append(f"| {size:,} | | stopped at {r['seconds']:.0f} s | | over {r['peak_mb']:,.0f} | | "
                         + " | ".join("" for _ in STAGES) + " |")
            continue
        stages = [f"{r['stage_cpu'].get(s, 0.0):.2f} ({r['stage_cpu'].get(s, 0.0) / r['cpu']:.0%})" for s in STAGES]
        lines.append(f"| {r['articles']:,} | {r['sentences']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
                     f"{r['peak_mb']:,.0f} | {r['load'][0]:.1f} | " + " | ".join(stages) + " |")
    lines += ["", "Growth exponents between sizes (1.0 = linear; wall and CPU seconds of the run, CPU seconds of each stage):", "",
              "| sizes | wall | CPU | peak memory | " + " | ".join(STAGES) + " |", "| --- " * (4 + len(STAGES)) + "|"]
    for (a, ra), (b, rb) in zip(zip(sizes, results), zip(sizes[1:], results[1:])):
        wall, cpu, memory = (exponent(ra, rb, key) for key in ("seconds", "cpu", "peak_mb"))
        if wall is None:
            lines.append(f"| {a:,} → {b:,} | | | | " + " | ".join("" for _ in STAGES) + " |")
            continue
        per_stage = []
        for s in STAGES:
            x, y = ra["stage_cpu"].get(s, 0.0), rb["stage_cpu"].get(s, 0.0)
            per_stage.append(f"{math.log(y / x) / math.log(rb['articles'] / ra['articles']):.2f}" if x > 0.01 and y > 0
                             else "")
        lines.append(f"| {a:,} → {b:,} | {wall:.2f} | {cpu:.2f} | {memory:.2f} | " + " | ".join(per_stage) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=None, help="multinews.jsonl (default ../shared/eval/)")
    parser.add_argument("--sizes", default="1000,4000,16000,64000", help="articles per day, comma-separated")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--max-rss-gb", type=float, default=8.0, help="stop a run whose memory passes this (default 8)")
    parser.add_argument("--work", type=Path, help="folder for the days (default: a temporary one, removed after)")
    parser.add_argument("--write", metavar="FILE", help="put the table in FILE between the scale markers")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        json.dump(child(args.child, args.jobs), sys.stdout)
        return 0
    data = args.data or default_data()
    sizes = [int(s) for s in args.sizes.split(",")]
    docs = documents(data)
    command = "PYTHONPATH=. nice -n 10 python benchmarks/scale.py" + (f" --sizes {args.sizes}" if args.sizes else "") \
        + (f" --jobs {args.jobs}" if args.jobs != 1 else "") + (" --write BENCHMARKS.md" if args.write else "")
    results = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        work = args.work or Path(tmp)
        for size in sizes:
            folder = work / f"day-{size}"
            if not (folder / f"a{size - 1:06d}.txt").exists():
                make_day(docs, size, folder)
            result = run_size(folder, args.jobs, args.max_rss_gb * 1024)
            results.append(result)
            print(f"{size}: {json.dumps(result)}", file=sys.stderr, flush=True)
            if result.get("stopped"):
                break
    sizes = sizes[: len(results)]
    section = report(data, sizes, results, args.jobs, command)
    print(section)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "scale", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
