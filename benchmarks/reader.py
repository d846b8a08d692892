"""What a reader sees: the real pipeline on each Multi-News cluster as a day of news, at 200 words.

    # from the project root (needs the judge: see benchmarks/judge.py)
    PYTHONPATH=. python benchmarks/reader.py ../shared/eval/multinews.jsonl --limit 40
    PYTHONPATH=. python benchmarks/reader.py ../shared/eval/multinews.jsonl --limit 40 \\
        --variant semantic:dedup_mode=semantic --variant 250w:max_words=250
    PYTHONPATH=. python benchmarks/reader.py ../shared/eval/multinews.jsonl --write BENCHMARKS.md

Each cluster becomes a folder of text articles, one per document, each from a distinct
fictional outlet (front matter: outlet, url, published), and ``digest.pipeline.build``
makes that day's digest (no memory, --max-words 200 unless a variant changes it); the
JSON rendering is what is measured, item by item:

* items crediting 2+ outlets: the share of items whose full sources span two or more outlets;
* provenance precision: of every (item, full source) credit, the share where that source's own
  article has a sentence saying the item: the sentence closest to the item by the judge
  (all-MiniLM-L6-v2, which the product does not use by default) has a cosine at or above the
  threshold that best separates MSRP train's paraphrases (accuracy), and carries every
  number of the item and every name of the item (a capitalised word after the first, not a
  stop word). Also given for the credits beyond the item's own wording (the source's
  sentence is not the item's text), where a wrong credit can hide;
* redundant pairs: pairs of items in one digest whose judge cosine is >= 0.70 (per digest);
* "outlets differ" notes: each (item, other outlet's sentence) the digest notes as telling the
  item's figures differently, and how many of those pairs the judge takes for one statement
  (cosine at or above the threshold); a note on two different statements misinforms;
* key details: numbers and names of the reference summary that two or more articles of the
  cluster carry (a name: a capitalised word after a sentence's first, not a stop word, that the
  articles never write in lower case, so "President" or "National" are no names); recall is the share of them found in the digest's text (pooled over clusters);
* ROUGE-1/2: rouge-score F1 (Porter stemming) of the digest's item texts against the summary.

--variant NAME:KEY=VALUE[,KEY=VALUE...] adds a row run with those Config fields (repeatable);
the default row always runs. Use --limit for a quick comparison.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from benchmarks.common import read_clusters
from benchmarks.coverage import normalise, numbers_in, shown_items
from digest.config import Config, StateConfig
from digest.ingest import read_text_article
from digest.pipeline import build
from digest.render import render
from digest.segment import segment
from digest.analysis import stop_words

DATE = "2026-11-20"
# Fictional outlets: a cluster's documents get the first ones, in order.
OUTLETS = (
    "Alder Post", "Birchwood Herald", "Cedar Tribune", "Dunmore Gazette", "Elmstead Journal",
    "Fernhill Courier", "Granite Times", "Holloway Ledger", "Ivybridge Chronicle", "Juniper Wire",
)
_SEPARATOR = re.compile(r"\s*\|{3,}\s*")
_NAME = re.compile(r"\b[A-Z][A-Za-z'’.-]*[A-Za-z]")


def outlet_name(i: int) -> str:
    return OUTLETS[i % len(OUTLETS)] + (f" {i // len(OUTLETS) + 1}" if i >= len(OUTLETS) else "")


def write_day(docs: Sequence[str], folder: Path) -> dict[str, str]:
    """One text article per document, each from its own outlet; returns url -> outlet."""
    urls = {}
    bodies = [b for doc in docs for b in _SEPARATOR.split(doc) if b.strip()]
    for i, body in enumerate(bodies):
        outlet = outlet_name(i)
        url = f"https://{outlet.lower().replace(' ', '')}.example/{DATE}/story-{i}"
        # Multi-News gives no times: one for every document, so none reads as a later report
        # of another (align.supersede) and no order is made up.
        meta = {"outlet": outlet, "url": url, "published": f"{DATE}T08:00:00+00:00"}
        front = "\n".join(f"{k}: {json.dumps(v)}" for k, v in meta.items())
        (folder / f"doc{i:02d}.txt").write_text(f"---\n{front}\n---\n{body.strip()}\n", encoding="utf-8")
        urls[url] = outlet
    return urls


def names_in(text: str, stop: frozenset[str], common: frozenset[str] = frozenset()) -> set[str]:
    """Capitalised words after a sentence's first word, not stop words nor ``common`` words
    (those the articles also write in lower case, such as "President"): the names a text gives."""
    found = set()
    for match in _NAME.finditer(text):
        word = re.sub(r"['’]s$", "", match.group().rstrip("."))
        if word.lower() in common:
            continue
        start = match.start()
        before = text[:start].rstrip()
        if not before or before[-1] in ".!?\"“:–—-(":
            continue  # a sentence's first word is capitalised anyway
        if word.lower() not in stop and len(word) > 1:
            found.add(word)
    return found


def key_details(summary: str, article_texts: Sequence[str], stop: frozenset[str]) -> set[str]:
    """The summary's numbers and names that two or more of the cluster's articles carry."""
    common = frozenset(w for text in article_texts for w in re.findall(r"\b[a-z][a-z'’-]*\b", text))
    details = {f"#{n}" for n in numbers_in(summary)} | names_in(summary, stop, common)
    kept = set()
    for d in details:
        carriers = sum(1 for text in article_texts if _has_detail(d, text))
        if carriers >= 2:
            kept.add(d)
    return kept


def _has_detail(detail: str, text: str) -> bool:
    if detail.startswith("#"):
        return detail[1:] in numbers_in(text)
    return re.search(rf"(?<![A-Za-z]){re.escape(detail)}(?![a-z])", text) is not None


@dataclass
class Totals:
    """Counts pooled over clusters for one variant."""

    clusters: int = 0
    items: int = 0
    multi_outlet: int = 0
    credits: int = 0
    honest: int = 0
    other_credits: int = 0  # credits whose source sentence is not the item's own text
    other_honest: int = 0
    redundant: int = 0
    details: int = 0
    details_found: int = 0
    notes: int = 0  # "outlets differ" notes: (item, the other side's sentence) pairs
    notes_confirmed: int = 0  # ... whose two sentences the judge takes for one statement
    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)  # the credits the judge does not accept, described
    repeated: list[str] = field(default_factory=list)  # the redundant pairs, described


def measure_cluster(cluster: dict, changes: dict[str, Any], judge, threshold: float, scorer, totals: Totals) -> None:
    stop = stop_words("english")
    with tempfile.TemporaryDirectory(prefix="digest-reader-") as tmp:
        folder = Path(tmp)
        urls = write_day(cluster["docs"], folder)
        articles = {}
        for path in sorted(folder.glob("*.txt")):
            (article,) = read_text_article(path, path.read_bytes(), Config())
            articles[article.url] = article
        config = dataclasses.replace(
            Config(inputs=(str(folder),), date=DATE, max_words=200, state=StateConfig(enabled=False)), **changes)
        start = time.perf_counter()
        result = build(config)
        totals.seconds += time.perf_counter() - start
        shown = json.loads(render(result.digest, "json"))
    items = shown_items(shown)
    by_outlet = {urls[u]: a for u, a in articles.items()}
    texts = [i.text for i in items]
    totals.clusters += 1
    totals.items += len(items)
    totals.multi_outlet += sum(1 for i in items if len(i.full) >= 2)
    pairs = judge.redundant_pairs(texts) if texts else []
    totals.redundant += len(pairs)
    totals.repeated.extend(f"cluster {totals.clusters}: {texts[a]!r} / {texts[b]!r}" for a, b, *_ in pairs)
    for item in items:
        numbers, names = numbers_in(item.text), names_in(item.text, stop)
        for outlet in sorted(item.full):
            article = by_outlet.get(outlet)
            sentences = [s.text for s in segment(article)] if article else []
            k, cosine = judge.best_match(item.text, sentences)
            sentence = sentences[k] if k >= 0 else ""
            honest = (cosine >= threshold and numbers <= numbers_in(sentence)
                      and all(_has_detail(n, sentence) for n in names))
            totals.credits += 1
            totals.honest += honest
            if not honest:
                lacking = sorted(numbers - numbers_in(sentence)) + sorted(
                    n for n in names if not _has_detail(n, sentence))
                totals.refused.append(f"{outlet}: cosine {cosine:.2f}, lacks {', '.join(lacking) or 'nothing'}\n"
                                      f"  item:     {item.text}\n  its own:  {sentence}")
            if normalise(sentence) != normalise(item.text):
                totals.other_credits += 1
                totals.other_honest += honest
    for section in result.digest.sections:
        for item in section.items:
            if not item.note or "outlets differ" not in item.note:
                continue
            members = set(item.fact.members)
            for c in result.digest.conflicts:
                if c.a in members or c.b in members:
                    other = c.b if c.a in members else c.a
                    totals.notes += 1
                    totals.notes_confirmed += judge.best_match(item.fact.sentence.text, [other.text])[1] >= threshold
    digest_text = " ".join(texts)
    details = key_details(cluster["summary"], [a.body for a in articles.values()], stop)
    totals.details += len(details)
    totals.details_found += sum(1 for d in details if _has_detail(d, digest_text))
    scores = scorer.score(cluster["summary"], digest_text)
    totals.rouge1.append(100 * scores["rouge1"].fmeasure)
    totals.rouge2.append(100 * scores["rouge2"].fmeasure)


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    name, _, settings = text.partition(":")
    from benchmarks.coverage import _setting

    return name, dict(_setting(s) for s in settings.split(",") if s)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def table(rows: dict[str, Totals]) -> str:
    lines = [
        "| variant | clusters | items | items crediting 2+ outlets | provenance precision (all credits / beyond the item's own wording) "
        "| redundant pairs per digest | key-detail recall | \"outlets differ\" notes (judge: one statement) "
        "| ROUGE-1 | ROUGE-2 | pipeline time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in rows.items():
        mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
        lines.append(
            f"| {name} | {t.clusters} | {t.items} | {_ratio(t.multi_outlet, t.items)} ({t.multi_outlet}) "
            f"| {_ratio(t.honest, t.credits)} of {t.credits} / {_ratio(t.other_honest, t.other_credits)} of {t.other_credits} "
            f"| {t.redundant / t.clusters if t.clusters else 0:.2f} ({t.redundant}) "
            f"| {_ratio(t.details_found, t.details)} ({t.details_found} of {t.details}) "
            f"| {t.notes} ({t.notes_confirmed}) "
            f"| {mean(t.rouge1):.2f} | {mean(t.rouge2):.2f} | {t.seconds:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", help="JSONL of {docs, summary} (Multi-News)")
    parser.add_argument("--limit", type=int, help="the first N clusters only")
    parser.add_argument("--variant", action="append", type=_variant, default=[], metavar="NAME:KEY=VALUE,...",
                        help="another row, with these Config fields (repeatable)")
    parser.add_argument("--msrp", default=None, help="MSRP train.tsv for the judge's threshold "
                        "(default: msrp/train.tsv beside the data file)")
    parser.add_argument("--threshold", type=float, help="the judge's paraphrase cosine (skips choosing it on MSRP)")
    parser.add_argument("--write", metavar="MARKDOWN", help="refresh the reader section of this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every credit the judge refuses and every redundant pair")
    args = parser.parse_args(argv)

    from rouge_score import rouge_scorer

    from benchmarks.judge import Judge, msrp_threshold

    judge = Judge.load()
    if args.threshold is None:
        train = args.msrp or str(Path(args.data).parent / "msrp" / "train.tsv")
        threshold, accuracy = msrp_threshold(judge, train)
        how = f"cosine >= {threshold:.2f}, chosen on MSRP train (accuracy {accuracy:.3f})"
    else:
        threshold = args.threshold
        how = f"cosine >= {threshold:.2f} (given)"
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    clusters = read_clusters(args.data, args.limit)
    variants = [("default", {})] + args.variant
    rows = {name: Totals() for name, _ in variants}
    for number, cluster in enumerate(clusters):
        for name, changes in variants:
            measure_cluster(cluster, changes, judge, threshold, scorer, rows[name])
        print(f"\r{number + 1}/{len(clusters)} clusters", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if args.verbose:
        for name, totals in rows.items():
            for line in totals.refused:
                print(f"[{name}] {line}")
            for line in totals.repeated:
                print(f"[{name}] redundant: {line}")
    command = "PYTHONPATH=. python benchmarks/reader.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (f"{len(clusters)} clusters of `{Path(args.data).name}`, each a day of its own (one article per "
            f"document, each from a distinct fictional outlet), digest at 200 words unless the variant says "
            f"otherwise. Judge: all-MiniLM-L6-v2, {how}; redundant at cosine >= 0.70.\n\n"
            f"{table(rows)}\n\nRegenerate: `{command}`")
    print(text)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "reader", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
