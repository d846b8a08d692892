"""Cross-outlet paraphrase pairs: how well each similarity signal tells "same statement" apart.

Command (from the project root; writes the cross-outlet part of BENCHMARKS.md's dedup section):

    PYTHONPATH=. python benchmarks/embed_pairs.py [--msrp ../shared/eval/msrp]

MSRP pairs share most of their words; the outlets of tests/fixtures/coverage (invented
stories, each told by five fictional outlets that paraphrase each other) mostly do not.
Each story's sentences (digest.segment) are labelled with the key facts they state in
full, by the fixtures' own matchers (benchmarks/coverage.py: numbers, names and words of
facts.toml), for the outlets facts.toml credits. Pairs are sentences of two outlets of
one story, at least one of which states a key fact; a pair is positive when both state
the same key fact. Signals: the default fuzzy score (dedup.FUZZY_COEF), each embedder's
cosine, the semantic score (dedup.MINILM_COEF), and the fuzzy features + wordllama cosine
+ length_gap (and + length_gap alone) refit on MSRP train as in dedup_msrp.py --refit.
Figures: ROC AUC, and the share of positive pairs scored above every negative pair but 1%.
Labels come from keyword matchers and four stories: indicative, not a benchmark to tune on.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import coverage  # noqa: E402
import dedup_msrp  # noqa: E402
from dedup_common import default_eval_path, write_section  # noqa: E402
from digest.analysis import Analyser  # noqa: E402
from digest import dedup  # noqa: E402
from digest.embed import get_embedder  # noqa: E402
from digest.errors import ConfigError  # noqa: E402


def labelled_pairs(stories):
    """(label, text a, text b) for the pairs described in the docstring."""
    out = []
    for story in stories:
        said = []
        for outlet, article in story.articles.items():
            for text in coverage.sentences_of(article):
                facts = frozenset(f.id for f in story.key_facts if outlet in f.full and coverage.says(f, text))
                said.append((outlet, text, facts))
        for (oa, ta, fa), (ob, tb, fb) in itertools.combinations(said, 2):
            if oa != ob and (fa or fb):
                out.append((int(bool(fa & fb)), ta, tb))
    return out


def recall_at(scores: np.ndarray, gold: np.ndarray, fpr: float = 0.01) -> float:
    """Share of positives scored above the (1 - fpr) quantile of the negatives' scores."""
    cut = np.quantile(scores[gold == 0], 1 - fpr)
    return float((scores[gold == 1] > cut).mean())


def main(argv: list[str] | None = None) -> int:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msrp", type=Path, default=None, help="folder with MSRP train.tsv (default ../shared/eval/msrp)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stories = coverage.all_stories()
    pairs = labelled_pairs(stories)
    gold = np.array([p[0] for p in pairs])
    analyser = Analyser("english")
    xs = [(analyser(a), analyser(b)) for _, a, b in pairs]
    both = dedup.pair_features([x for x, _ in xs], [y for _, y in xs], cosines=np.zeros(len(xs)))
    feats, gap = both[:, :len(dedup.FEATURES)], both[:, -1]

    def cosines(embedder) -> np.ndarray:
        left = embedder.encode([a for _, a, _ in pairs])
        right = embedder.encode([b for _, _, b in pairs])
        return np.einsum("ij,ij->i", left, right).astype(np.float64)

    wl = cosines(get_embedder("wordllama"))
    signals = {
        "fuzzy (default) score": dedup_msrp.logistic(feats, dedup.FUZZY_COEF, dedup.FUZZY_INTERCEPT),
        "wordllama cosine": wl,
    }
    train = dedup_msrp.Split(dedup_msrp.load((args.msrp or default_eval_path("msrp")) / "train.tsv"), analyser)
    wl_train = train.cosines(get_embedder("wordllama"))
    for label, train_x, x in (
        ("fuzzy + length_gap, refit on MSRP train", np.column_stack([train.x, train.gap]), np.column_stack([feats, gap])),
        ("fuzzy + wordllama cosine + length_gap, refit on MSRP train",
         np.column_stack([train.x, wl_train, train.gap]), np.column_stack([feats, wl, gap])),
    ):
        coef, intercept, _ = dedup_msrp.refit(train_x, train.gold)
        signals[label] = dedup_msrp.logistic(x, coef, intercept)
    note = ""
    try:
        minilm = get_embedder("minilm")
    except ConfigError as exc:
        note = f"MiniLM not measured: {exc}"
    else:
        ml = cosines(minilm)
        signals["all-MiniLM-L6-v2 cosine"] = ml
        signals["semantic score (fuzzy + MiniLM cosine + length_gap)"] = dedup_msrp.logistic(
            np.column_stack([feats, ml, gap]), dedup.MINILM_COEF, dedup.MINILM_INTERCEPT)

    column = dedup.FEATURES.index("content_jaccard")
    jaccard = feats[:, column]
    msrp_test = dedup_msrp.Split(dedup_msrp.load((args.msrp or default_eval_path("msrp")) / "test.tsv"), analyser)
    msrp_jaccard = float(np.median(msrp_test.x[msrp_test.gold == 1, column]))
    lines = [
        "### Sentence similarity on cross-outlet paraphrases (tests/fixtures/coverage)",
        "",
        f"{len(stories)} invented stories, five outlets each; {len(pairs):,} pairs of sentences of two outlets "
        f"where one states a key fact, {int(gold.sum())} of them stating the same one (median content-word "
        f"Jaccard of those {np.median(jaccard[gold == 1]):.2f}; MSRP test paraphrases: "
        f"{msrp_jaccard:.2f}). "
        "Labels from the fixtures' keyword matchers: indicative only.",
        "",
        "| signal | ROC AUC | recall of same-fact pairs at 1% of the others |",
        "| --- | ---: | ---: |",
    ]
    for name, score in signals.items():
        lines.append(f"| {name} | {roc_auc_score(gold, score):.3f} | {recall_at(score, gold):.2f} |")
    lines.append("")
    if note:
        lines.append(f"- {note}")
    lines.append(f"- run time {time.perf_counter() - started:.0f} s")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", "pairs", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
