"""The JSON's `stories`: how well the stories a program reads from the digest group the day's articles.

    PYTHONPATH=. python benchmarks/json_stories.py ../shared/eval/multinews.jsonl [--write BENCHMARKS.md]

Two days built from Multi-News clusters (each document a .txt file with a hashed name, no
front matter, as benchmarks/stories.py builds them): every cluster (837 files, 298 true
stories), and the 50 largest clusters (the closest this data comes to a newswire day of
many articles on 50 topics). Each runs through ``pipeline.build`` with default settings;
the JSON contract's ``stories`` list (file name of each article's url) is compared with the
true clusters: adjusted Rand index and V-measure (scikit-learn). With ``--write`` the table
replaces the part of that file between ``<!-- json-stories:start -->`` and ``<!-- json-stories:end -->``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path



def make_day(rows: list[dict], folder: Path) -> dict[str, str]:
    truth = {}
    for row in rows:
        for k, doc in enumerate(row["docs"]):
            name = hashlib.sha256(f"{row['id']}/{k}".encode()).hexdigest()[:20] + ".txt"
            (folder / name).write_text(doc, encoding="utf-8")
            truth[name] = row["id"]
    return truth


def measure(folder: Path, truth: dict[str, str]) -> dict:
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    from digest import pipeline
    from digest.config import load_config
    from digest.render import contract

    config = load_config(flags={"inputs": [str(folder)], "date": "2026-11-20"}, environ={})
    document = contract(pipeline.build(config).digest)
    predicted = {Path(a["url"].removeprefix("file://")).name: k
                 for k, story in enumerate(document["stories"]) for a in story["articles"]}
    names = sorted(predicted)
    y_true, y_pred = [truth[n] for n in names], [predicted[n] for n in names]
    shown = sum(1 for story in document["stories"] if story["section"] is not None)
    return {"articles": len(names), "true": len(set(y_true)), "stories": len(document["stories"]), "shown": shown,
            "ari": adjusted_rand_score(y_true, y_pred), "v": v_measure_score(y_true, y_pred)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("multinews")
    parser.add_argument("--largest", type=int, default=50, help="clusters in the smaller day (default 50)")
    parser.add_argument("--write")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    rows = [json.loads(line) for line in Path(args.multinews).read_text(encoding="utf-8").splitlines() if line.strip()]
    largest = sorted(rows, key=lambda r: (-len(r["docs"]), r["id"]))[: args.largest]
    found = {}
    for label, chosen in ((f"every cluster ({len(rows)})", rows), (f"the {args.largest} largest clusters", largest)):
        with tempfile.TemporaryDirectory() as tmp:
            found[label] = measure(Path(tmp), make_day(chosen, Path(tmp)))
    lines = ["## The JSON's `stories` (issue 14)", "",
             f"Command: `PYTHONPATH=. python benchmarks/json_stories.py {args.multinews}`", "",
             "| day (Multi-News) | readable articles | true stories | JSON stories (with a section) | ARI | V-measure |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, r in found.items():
        lines.append(f"| {label} | {r['articles']} | {r['true']} | {r['stories']} ({r['shown']}) | "
                     f"{r['ari']:.3f} | {r['v']:.3f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "json-stories", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
