"""Sparse term matrices: the one builder behind dedup, recall, stories, ranking and embedding.

Rows are documents (sentences, articles, texts), columns the terms seen, numbered in the
order they first appear, so a matrix depends only on its input's order. Indices are sorted
within each row, so every row sum runs in one order and results are the same run to run.
"""
from __future__ import annotations

import importlib.util
import sys
from itertools import chain
from typing import Hashable, Iterable, Sequence

import numpy as np

# numpy loads these on first use; scipy 1.17's ``scipy.sparse`` reads every numpy attribute
# (``array_api_compat.clone_module``), which would import all of them (~100 ms of a 0.9 s
# start). The run uses none: registered as lazy modules, each loads if something uses it.
_UNUSED_NUMPY = ("f2py", "testing", "ma", "polynomial", "char", "ctypeslib", "rec", "strings")


def _lazy_numpy_submodules() -> None:
    for name in _UNUSED_NUMPY:
        full = f"numpy.{name}"
        if full in sys.modules or name in vars(np):  # hasattr would import it
            continue
        spec = importlib.util.find_spec(full)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        setattr(np, name, module)  # numpy's own __getattr__ would import it again


if "scipy.sparse" not in sys.modules:
    _lazy_numpy_submodules()
from scipy import sparse  # noqa: E402 - after the lazy registration


def term_matrix(
    rows: Sequence[Iterable[Hashable]],
    weights: Sequence[Iterable[float]] | None = None,
    *,
    binary: bool = False,
    dtype=np.float64,
) -> tuple[sparse.csr_matrix, dict[Hashable, int]]:
    """(matrix, vocabulary): entry (k, v) sums the weights (default 1) of term v in ``rows[k]``.

    ``binary``: 1 wherever a row has the term, however often.
    """
    rows = [r if isinstance(r, (list, tuple)) else list(r) for r in rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, rows), dtype=np.int64, count=len(rows)), out=indptr[1:])
    total = int(indptr[-1])
    vocabulary: dict[Hashable, int] = {}
    indices = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in chain.from_iterable(rows)),
                          dtype=np.int64, count=total)
    data = (np.ones(total, dtype=dtype) if weights is None or binary
            else np.fromiter(chain.from_iterable(weights), dtype=dtype, count=total))
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), len(vocabulary)))
    matrix.sum_duplicates()
    if binary:
        matrix.data[:] = 1
    return matrix, vocabulary


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of an integer array: its distinct values, sorted, flattened.

    np.unique first asks numpy.ma whether the array is masked, which imports numpy.ma
    (~8 ms of a 0.6 s start) for the runs that use nothing else of it.
    """
    ordered = np.sort(values, axis=None)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def incidence(rows: np.ndarray, cols: np.ndarray, n: int, width: int | None = None) -> sparse.csr_matrix:
    """The binary n x width matrix with a 1 at each (row, col), repeats counted once, indices sorted."""
    width = int(cols.max(initial=-1)) + 1 if width is None else width
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, width))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def tfidf_rows(counts: sparse.csr_matrix, prior: float = 0.0) -> sparse.csr_matrix:
    """Sublinear TF times smoothed IDF, rows scaled to unit length (empty rows stay zero).

    ``prior``: documents assumed beside the rows that contain none of their terms, so that
    on a small collection (a day of one story) the words its documents share still weigh
    as what sets them apart from the rest of the news, not as everyday words.
    """
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n + prior) / (1.0 + df)) + 1.0
    x = counts.copy()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    return unit_rows(x)


def unit_rows(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row scaled to unit length; empty rows stay zero."""
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    # The diagonal built as CSR: sparse.diags makes a DIA matrix, whose constructor calls
    # np.unique (numpy.ma, see ``distinct``), and DIA @ CSR turns it into this CSR first.
    n = x.shape[0]
    scale = sparse.csr_matrix((1.0 / norms, np.arange(n), np.arange(n + 1)), shape=(n, n))
    return sparse.csr_matrix(scale @ x)
