#!/usr/bin/env bash
# Regenerate every table of BENCHMARKS.md (from the project root; about two hours on 2 cores,
# most of it in sumy and the 64,000-article scale day). DATA defaults to ../shared/eval.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/eval}
export PYTHONPATH=.
SYSTEMS=digest,lead,centroid,icsi,icsi-2docs,lin-bilmes,lexrank,textrank,lsa,luhn,sumbasic,reduction
python benchmarks/rouge.py "$DATA/multinews.jsonl" --words 250 --systems $SYSTEMS --ablation --section rouge-all --write BENCHMARKS.md
python benchmarks/rouge.py "$DATA/multinews.jsonl" --words 250 --limit 100 --ablation --section rouge-100 --write BENCHMARKS.md
python benchmarks/rouge.py "$DATA/multinews.jsonl" --words 100 --systems $SYSTEMS --section rouge-100w --write BENCHMARKS.md
python benchmarks/rouge.py "$DATA/multinews.jsonl" --bytes 665 --systems $SYSTEMS --section rouge-665b --write BENCHMARKS.md
python benchmarks/rouge.py "$DATA/multinews.jsonl" --words 250 --systems digest --sensitivity --section rouge-sensitivity --write BENCHMARKS.md
python benchmarks/rouge.py "$DATA/multinews.jsonl" --bytes 665 --systems digest --sensitivity --section rouge-sensitivity-665b --write BENCHMARKS.md
python benchmarks/coverage.py --judge --write BENCHMARKS.md
python benchmarks/reader.py "$DATA/multinews.jsonl" --write BENCHMARKS.md
python benchmarks/rank_speed.py "$DATA/multinews.jsonl" --write BENCHMARKS.md
python benchmarks/stories.py "$DATA/multinews.jsonl" --write BENCHMARKS.md
python benchmarks/json_stories.py "$DATA/multinews.jsonl" --write BENCHMARKS.md
python benchmarks/fragments.py "$DATA/multinews.jsonl" --write BENCHMARKS.md
python benchmarks/dedup_msrp.py --msrp "$DATA/msrp" --refit
python benchmarks/dedup_scale.py --multinews "$DATA/multinews.jsonl"
python benchmarks/embed_speed.py --multinews "$DATA/multinews.jsonl"
python benchmarks/embed_pairs.py --msrp "$DATA/msrp"
PYTHONPATH=.:tests python benchmarks/feeds.py --write BENCHMARKS.md
python benchmarks/startup.py --runs 10 --write BENCHMARKS.md
nice -n 10 python benchmarks/scale.py "$DATA/multinews.jsonl" --sizes 1000,4000,16000,64000 --max-rss-gb 14 --write BENCHMARKS.md
