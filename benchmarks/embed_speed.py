"""Start-up and speed of the sentence embedders (digest.embed) on a day of news.

Command (from the project root; writes the embedding part of BENCHMARKS.md's dedup section):

    PYTHONPATH=. python benchmarks/embed_speed.py [--multinews ../shared/eval/multinews.jsonl] [--runs 5] [--minilm-sample 2000]

The day is every sentence of every Multi-News document (digest.segment, as in
dedup_scale.py). Each run is a fresh interpreter, so every figure includes what a
``digest run`` pays once: ``import digest.embed``, ``get_embedder(name)`` (reading the
model from its package), then ``encode()`` of the whole day in one call (cold: the first
call of the process) and once more (warm). Figures are medians over the runs, wall
and CPU time (the machine is shared: CPU time is the steadier one), and the peak memory
the process gained from loading and encoding. MiniLM (the ``digest[semantic]`` extra) is
timed on the first ``--minilm-sample`` sentences only; its full-day time is extrapolated.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_common import default_eval_path, write_section  # noqa: E402
from dedup_scale import day_of_news  # noqa: E402

CHILD = r"""
import json, resource, sys, time

def clock():
    return time.perf_counter(), time.process_time()

def since(start):
    wall, cpu = clock()
    return {"wall": wall - start[0], "cpu": cpu - start[1]}

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

name, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, encoding="utf-8") as handle:
    texts = json.load(handle)[: limit or None]
before = rss_mb()
out = {"sentences": len(texts)}
start = clock()
import digest.embed
out["import"] = since(start)
start = clock()
embedder = digest.embed.get_embedder(name)
out["load"] = since(start)
start = clock()
vectors = embedder.encode(texts)
out["encode_cold"] = since(start)
start = clock()
embedder.encode(texts)
out["encode_warm"] = since(start)
out["shape"] = list(vectors.shape)
out["peak_gain_mb"] = rss_mb() - before
print(json.dumps(out))
"""


def child(name: str, texts_path: Path, limit: int) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, name, str(texts_path), str(limit)],
                       capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=3600)
    if r.returncode != 0:
        raise SystemExit(f"{name}: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def median(runs: list[dict], key: str, part: str) -> float:
    return statistics.median(r[key][part] for r in runs)


def installed_mb(distribution: str) -> float:
    """The size of a distribution's installed files (from its RECORD)."""
    files = metadata.distribution(distribution).files or []
    return sum(f.size or 0 for f in files) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multinews", type=Path, default=None, help="multinews.jsonl (default ../shared/eval/multinews.jsonl)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per embedder (default 5)")
    parser.add_argument("--minilm-sample", type=int, default=2000, help="sentences MiniLM encodes (default 2000; 0: skip MiniLM)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sentences, articles = day_of_news(args.multinews or default_eval_path("multinews.jsonl"))
    texts = [s.text for s in sentences]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        wordllama = [child("wordllama", path, 0) for _ in range(args.runs)]
        minilm = []
        if args.minilm_sample:
            try:
                minilm = [child("minilm", path, args.minilm_sample) for _ in range(max(1, args.runs // 2))]
            except SystemExit as exc:  # the semantic extra is not installed
                print(f"MiniLM not measured: {exc}", file=sys.stderr)

    n = len(texts)
    tokens = sum(len(t.split()) for t in texts)
    lines = [
        "### Sentence embeddings (digest.embed): start-up and speed",
        "",
        f"A day: every Multi-News document as one article ({articles:,} articles, {n:,} sentences, "
        f"{tokens:,} whitespace words, {len(set(texts)):,} distinct sentences). Each run a fresh process "
        f"(import, model load, `encode()` of the day in one call, then again); medians of {len(wordllama)} runs "
        "for wordllama"
        + (f", {len(minilm)} for MiniLM (on the first {minilm[0]['sentences']:,} sentences)" if minilm else "")
        + "; wall / CPU seconds on the shared 2-core machine.",
        "",
        "| embedder | dim | import digest.embed | load model | encode, first call | encode, again | sentences/s (first call, wall) | peak memory gained |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in (("wordllama (default)", wordllama), ("minilm (extra)", minilm)):
        if not runs:
            continue
        cells = [f"{median(runs, k, 'wall'):.2f} / {median(runs, k, 'cpu'):.2f} s" for k in ("import", "load", "encode_cold", "encode_warm")]
        rate = runs[0]["sentences"] / median(runs, "encode_cold", "wall")
        peak = statistics.median(r["peak_gain_mb"] for r in runs)
        lines.append(f"| {name} | {runs[0]['shape'][1]} | {' | '.join(cells)} | {rate:,.0f} | {peak:,.0f} MB |")
    lines.append("")
    if minilm:
        day = n / (minilm[0]["sentences"] / median(minilm, "encode_cold", "wall"))
        lines.append(f"- MiniLM on the whole day, extrapolated from its rate: about {day:,.0f} s wall")
    from digest import embed

    folder = embed._package_folder("wordllama", "")
    weights_mb = folder.joinpath(*embed.WORDLLAMA_WEIGHTS).stat().st_size / 1e6
    tokenizer_mb = folder.joinpath(*embed.WORDLLAMA_TOKENIZER).stat().st_size / 1e6
    lines.append(f"- installed size: wordllama {installed_mb('wordllama'):.1f} MB, of which the 256-d weights "
                 f"{weights_mb:.1f} MB and the tokenizer {tokenizer_mb:.1f} MB: the files the model is read from "
                 "(nothing is downloaded)")
    lines.append(f"- run time {time.perf_counter() - started:.0f} s")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", "embed", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
