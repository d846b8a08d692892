"""MSRP benchmark of the dedup scorers: is this pair of news sentences the same statement?

Command (from the project root; writes the MSRP part of BENCHMARKS.md):

    PYTHONPATH=. python benchmarks/dedup_msrp.py [--msrp ../shared/eval/msrp] [--no-semantic] [--refit]

Thresholds are chosen on train (best accuracy), figures are on test. Rows:

* plain rapidfuzz scorers on the lower-cased strings (``ratio``, ``token_sort_ratio``, ``token_set_ratio``);
* ``fuzzy score``: the default scorer's logistic score alone (coefficients as written in
  digest/dedup.py), and ``fuzzy decision``: what near_duplicates() does with a pair, i.e. the
  score plus the product rules: exact text, the overlap gate, subsumption, and the veto on
  conflicting numbers or names (which MSRP does not share: it labels "shot up 38 percent" /
  "shot up almost 33 percent" a paraphrase, so the veto costs accuracy here on purpose);
* the same for the semantic scorer (the fuzzy features + all-MiniLM-L6-v2 cosine + length gap), and the
  cosine alone, when the ``digest[semantic]`` extra is installed;
* the cosine of the default embedder's vectors (``digest.embed``, wordllama) alone, and with
  ``--refit`` the fuzzy features + that cosine (+ ``length_gap``) fit on train like the
  others: how much the torch-free meaning signal adds to the default scorer.

``--refit`` fits the logistic regressions on train with scikit-learn (``pip install
'digest[bench]'``; C chosen by 5-fold cross-validation on train) and prints the constants to
paste into digest/dedup.py; the table then also shows the refit models, so the constants
can be checked against a fresh fit. The semantic intercept is shifted so that its best
train threshold is the fuzzy one: one ``Config.dedup_threshold`` serves both modes.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.analysis import Analyser  # noqa: E402
from digest.config import Config  # noqa: E402
from digest.embed import get_embedder  # noqa: E402
from digest.errors import ConfigError  # noqa: E402
from digest import dedup  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_common import default_eval_path, write_section  # noqa: E402


def load(path: Path) -> list[tuple[int, str, str]]:
    """(label, sentence 1, sentence 2) rows of one MSRP split."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [(int(row[0]), row[3], row[4]) for row in reader if len(row) >= 5]


def metrics(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    tp = int(((pred == 1) & (gold == 1)).sum())
    fp = int(((pred == 1) & (gold == 0)).sum())
    fn = int(((pred == 0) & (gold == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": float((pred == gold).mean()), "f1": f1, "precision": precision, "recall": recall}


def best_threshold(decide, gold: np.ndarray, grid) -> float:
    """The threshold with the best train accuracy (ties: the lower threshold)."""
    best = max(grid, key=lambda t: ((decide(t) == gold).mean(), -t))
    return float(best)


class Split:
    """Per-pair features, rule flags and scores of one MSRP split."""

    def __init__(self, rows, analyser) -> None:
        self.gold = np.array([r[0] for r in rows])
        self.a = [r[1] for r in rows]
        self.b = [r[2] for r in rows]
        an = [(analyser(a), analyser(b)) for a, b in zip(self.a, self.b)]
        both = dedup.pair_features([x for x, _ in an], [y for _, y in an], cosines=np.zeros(len(an)))
        self.x = both[:, :len(dedup.FEATURES)]
        self.gap = both[:, -1]
        self.exact = np.array([x.norm == y.norm for x, y in an])
        self.conflict = np.array([bool(dedup.conflicts(x, y)) for x, y in an])
        self.gated = np.array([not dedup.comparable(x, y) or x.negated != y.negated for x, y in an])
        self.subsumed = np.array([dedup.subsumes(x, y) or dedup.subsumes(y, x) for x, y in an])
        self.cosine: np.ndarray | None = None

    def cosines(self, embedder) -> np.ndarray:
        """Each pair's cosine under a digest.embed embedder (rows are unit vectors)."""
        vectors = embedder.encode(self.a + self.b)
        n = len(self.a)
        return np.einsum("ij,ij->i", vectors[:n], vectors[n:]).astype(np.float64)

    def plain(self, scorer) -> np.ndarray:
        """A rapidfuzz scorer on the lower-cased strings (as in ../shared/eval/README.md)."""
        return np.array([scorer(a, b, processor=str.lower) for a, b in zip(self.a, self.b)])

    def decision(self, score: np.ndarray, threshold: float) -> np.ndarray:
        """near_duplicates()'s verdict on each pair (dedup.decide, vectorised)."""
        ok = (score >= threshold) | self.subsumed
        ok &= ~self.gated & ~self.conflict
        return (ok | self.exact).astype(int)


def logistic(x: np.ndarray, coef, intercept) -> np.ndarray:
    return 100.0 / (1.0 + np.exp(-(x @ np.asarray(coef) + intercept)))


C_GRID = (0.3, 1.0, 3.0, 10.0)


def refit(x: np.ndarray, gold: np.ndarray) -> tuple[tuple[float, ...], float, float]:
    """Logistic regression on train: C by 5-fold cross-validated accuracy (ties: smaller C).

    Returns the coefficients, the intercept and the chosen C.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    def cv_accuracy(c: float) -> float:
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        p = cross_val_predict(LogisticRegression(C=c, max_iter=5000), x, gold, cv=folds, method="predict_proba")[:, 1]
        return max(((p >= t) == gold).mean() for t in np.arange(0.30, 0.70, 0.01))

    best = max(C_GRID, key=lambda c: (round(cv_accuracy(c), 4), -c))
    model = LogisticRegression(C=best, max_iter=5000).fit(x, gold)
    return tuple(round(float(c), 3) for c in model.coef_[0]), round(float(model.intercept_[0]), 3), best


def aligned_intercept(intercept: float, chosen: float, wanted: float) -> float:
    """Shift a logistic intercept so a score of ``chosen`` becomes ``wanted`` (both 0-100)."""
    logit = lambda p: math.log(p / (100 - p))  # noqa: E731
    return round(intercept + logit(wanted) - logit(chosen), 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--msrp", type=Path, default=None, help="folder with train.tsv and test.tsv (default ../shared/eval/msrp)")
    parser.add_argument("--no-semantic", action="store_true", help="skip the semantic scorer")
    parser.add_argument("--refit", action="store_true", help="refit the logistic regressions on train and print them")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    folder = args.msrp or default_eval_path("msrp")
    started = time.perf_counter()
    analyser = Analyser("english")
    train = Split(load(folder / "train.tsv"), analyser)
    test = Split(load(folder / "test.tsv"), analyser)
    grid100 = np.arange(1, 100, 1.0)
    rows: list[tuple[str, str, dict]] = []

    def add(name: str, train_scores, test_scores, threshold_note: str = "", decision: bool = False) -> float:
        fn = (lambda s, split: (lambda t: split.decision(s, t))) if decision else (lambda s, split: (lambda t: (s >= t).astype(int)))
        t = best_threshold(fn(train_scores, train), train.gold, grid100)
        rows.append((name, f">= {t:g}{threshold_note}", metrics(fn(test_scores, test)(t), test.gold)))
        return t

    for name, scorer in (("ratio", fuzz.ratio), ("token_sort_ratio", fuzz.token_sort_ratio), ("token_set_ratio", fuzz.token_set_ratio)):
        add(f"rapidfuzz {name}", train.plain(scorer), test.plain(scorer))

    s_train = logistic(train.x, dedup.FUZZY_COEF, dedup.FUZZY_INTERCEPT)
    s_test = logistic(test.x, dedup.FUZZY_COEF, dedup.FUZZY_INTERCEPT)
    add("**fuzzy (default) score**", s_train, s_test)
    t_fuzzy = add("**fuzzy (default) decision**", s_train, s_test, decision=True)
    printed = [f"fuzzy decision threshold chosen on train: {t_fuzzy:g} (Config.dedup_threshold = {Config().dedup_threshold:g})"]
    fitted = {}
    if args.refit:
        coef, intercept, c = refit(train.x, train.gold)
        fitted["FUZZY"] = (coef, intercept, c)
        add(f"fuzzy, refit now (C={c:g}): decision", logistic(train.x, coef, intercept), logistic(test.x, coef, intercept), decision=True)

    # The default embedder, torch-free: its cosine alone, and as a feature beside the fuzzy ones.
    wordllama = get_embedder("wordllama")
    wl_train, wl_test = train.cosines(wordllama), test.cosines(wordllama)
    # Test ROC AUC of each score (threshold-free: how well it orders pairs), shown with --refit.
    aucs = {"fuzzy (default) score": s_test, "wordllama cosine": wl_test}
    add("wordllama cosine alone", wl_train * 100, wl_test * 100)
    if args.refit:
        for label, key, extra_train, extra_test in (
            ("fuzzy + length_gap (control: no cosine)", "GAP_ONLY", [train.gap], [test.gap]),
            ("fuzzy + wordllama cosine", "WORDLLAMA_NO_GAP", [wl_train], [wl_test]),
            ("fuzzy + wordllama cosine + length_gap", "WORDLLAMA", [wl_train, train.gap], [wl_test, test.gap]),
        ):
            xw_train, xw_test = np.column_stack([train.x, *extra_train]), np.column_stack([test.x, *extra_test])
            coef, intercept, c = refit(xw_train, train.gold)
            chosen = best_threshold(lambda t: train.decision(logistic(xw_train, coef, intercept), t), train.gold, grid100)
            intercept = aligned_intercept(intercept, chosen, t_fuzzy)  # one threshold for every mode, as below
            fitted[key] = (coef, intercept, c)
            aucs[label] = logistic(xw_test, coef, intercept)
            add(f"{label}, refit (C={c:g}): score", logistic(xw_train, coef, intercept), logistic(xw_test, coef, intercept))
            add(f"{label}, refit (C={c:g}): decision", logistic(xw_train, coef, intercept), logistic(xw_test, coef, intercept), decision=True)

    semantic_note = ""
    if not args.no_semantic:
        try:
            minilm = get_embedder("minilm")
        except ConfigError as exc:
            semantic_note = f"semantic mode (minilm) not measured: {exc}"
        else:
            for split in (train, test):
                split.cosine = split.cosines(minilm)
            add("all-MiniLM-L6-v2 cosine alone", train.cosine * 100, test.cosine * 100)
            aucs["all-MiniLM-L6-v2 cosine"] = test.cosine
            xs_train = np.column_stack([train.x, train.cosine, train.gap])  # dedup.semantic_features
            xs_test = np.column_stack([test.x, test.cosine, test.gap])
            ss_train = logistic(xs_train, dedup.MINILM_COEF, dedup.MINILM_INTERCEPT)
            ss_test = logistic(xs_test, dedup.MINILM_COEF, dedup.MINILM_INTERCEPT)
            add("**semantic score**", ss_train, ss_test)
            aucs["semantic score"] = ss_test
            t_sem = add("**semantic decision**", ss_train, ss_test, decision=True)
            printed.append(f"semantic decision threshold chosen on train: {t_sem:g}")
            if args.refit:
                coef, intercept, c = refit(xs_train, train.gold)
                chosen = best_threshold(lambda t: train.decision(logistic(xs_train, coef, intercept), t), train.gold, grid100)
                # one Config.dedup_threshold serves both modes: move this model's best train
                # threshold onto the fuzzy one (a monotone shift: same decisions)
                intercept = aligned_intercept(intercept, chosen, t_fuzzy)
                fitted["SEMANTIC"] = (coef, intercept, c)
                add(f"semantic, refit now (C={c:g}): decision", logistic(xs_train, coef, intercept), logistic(xs_test, coef, intercept), decision=True)
    else:
        semantic_note = "semantic mode skipped (--no-semantic)"

    for name, (coef, intercept, c) in fitted.items():
        print(f"# C={c:g}\n{name}_COEF = {coef}\n{name}_INTERCEPT = {intercept}")
        if name in ("GAP_ONLY", "WORDLLAMA_NO_GAP", "WORDLLAMA"):
            inputs = ", ".join(dedup.FEATURES) + {"GAP_ONLY": ", length_gap", "WORDLLAMA_NO_GAP": ", cosine"}.get(name, ", cosine, length_gap")
            printed.append(f"refit on train, {name}_COEF over ({inputs}) = {coef}, intercept {intercept} (C={c:g})")
    lines = [
        "### Dedup: Microsoft Research Paraphrase Corpus",
        "",
        f"Threshold chosen on train ({len(train.gold):,} pairs, best accuracy), figures on test "
        f"({len(test.gold):,} pairs; all-positive baseline accuracy {test.gold.mean():.3f}). "
        "*score*: the scorer's 0-100 score alone; *decision*: what `near_duplicates()` does with the pair "
        "(score, plus exact text, the content-overlap gate, subsumption, and the veto on conflicting "
        "numbers/names, which MSRP does not share: it calls \"shot up 38 percent\" / \"shot up almost 33 percent\" "
        "paraphrases).",
        "",
        "| scorer | threshold | accuracy | F1 | precision | recall |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, threshold, m in rows:
        lines.append(f"| {name} | {threshold} | {m['accuracy']:.3f} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} |")
    lines.append("")
    lines.extend(f"- {p}" for p in printed)
    if args.refit:
        from sklearn.metrics import roc_auc_score

        shown = "; ".join(f"{name} {roc_auc_score(test.gold, score):.3f}" for name, score in aucs.items())
        lines.append(f"- test ROC AUC of the scores (no threshold): {shown}")
    vetoed = test.conflict & (test.gold == 1)
    lines.append(f"- test pairs labelled paraphrase but vetoed for conflicting numbers/names: {int(vetoed.sum())} of {int(test.gold.sum())}")
    if semantic_note:
        lines.append(f"- {semantic_note}")
    lines.append(f"- run time {time.perf_counter() - started:.0f} s")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", "msrp", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
