"""The one sparse term-matrix builder shared by dedup, recall, stories, ranking and embedding."""
import numpy as np
import pytest

from digest.matrix import distinct, incidence, term_matrix, tfidf_rows, unit_rows


def test_counts_repeats_and_numbers_columns_in_first_seen_order():
    matrix, vocabulary = term_matrix([["vote", "rail", "vote"], [], ["rail", "bill"]])
    assert vocabulary == {"vote": 0, "rail": 1, "bill": 2}
    assert matrix.toarray().tolist() == [[2, 1, 0], [0, 0, 0], [0, 1, 1]]


def test_indices_are_sorted_within_each_row_whatever_the_term_order():
    matrix, _ = term_matrix([["a", "b", "c"], ["c", "a", "b", "a"]])
    for k in range(matrix.shape[0]):
        row = matrix.indices[matrix.indptr[k]:matrix.indptr[k + 1]]
        assert list(row) == sorted(row)
        assert len(set(row)) == len(row)


def test_weights_are_summed_per_term_and_binary_ignores_them():
    rows, weights = [["a", "b", "a"]], [[0.5, 2.0, 1.5]]
    weighted, _ = term_matrix(rows, weights)
    assert weighted.toarray().tolist() == [[2.0, 2.0]]
    binary, _ = term_matrix(rows, weights, binary=True)
    assert binary.toarray().tolist() == [[1.0, 1.0]]


def test_any_iterable_row_and_dtype():
    matrix, vocabulary = term_matrix([frozenset({"x"}), iter(["y", "x"])], dtype=np.float32)
    assert matrix.dtype == np.float32
    assert matrix[1, vocabulary["x"]] == 1 and matrix[1, vocabulary["y"]] == 1 and matrix[0].sum() == 1


def test_no_rows():
    matrix, vocabulary = term_matrix([])
    assert matrix.shape == (0, 0) and vocabulary == {}


def test_incidence_counts_a_repeat_once():
    m = incidence(np.array([0, 0, 1]), np.array([2, 2, 0]), 3)
    assert m.toarray().tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 0]]


def test_tfidf_rows_have_unit_length_and_rare_terms_weigh_more():
    counts, vocabulary = term_matrix([["rail", "vote"], ["rail", "bridge"], ["rail"], []])
    x = tfidf_rows(counts)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert norms[:3] == pytest.approx(1.0) and norms[3] == 0
    assert x[0, vocabulary["vote"]] > x[0, vocabulary["rail"]]


def test_unit_rows_keeps_empty_rows_zero():
    counts, _ = term_matrix([["a", "a", "b"], []])
    x = unit_rows(counts)
    assert x.toarray()[0] == pytest.approx([2 / np.sqrt(5), 1 / np.sqrt(5)])
    assert not x.toarray()[1].any()


@pytest.mark.parametrize("shape", [(0,), (1,), (40,), (25, 2), (0, 2)])
def test_distinct_is_numpys_unique(shape):
    values = np.random.default_rng(sum(shape)).integers(-5, 12, size=shape)
    expected = np.unique(values)
    assert distinct(values).dtype == expected.dtype and distinct(values).tolist() == expected.tolist()


def test_unit_rows_is_the_product_by_scipys_diagonal_byte_for_byte():
    # Its order of indices within a row (reversed) and its values are what the rows' sums read.
    from scipy import sparse

    rng = np.random.default_rng(7)
    for seed in range(40):
        x = sparse.random(int(rng.integers(1, 40)), int(rng.integers(1, 60)), density=0.3, format="csr",
                          random_state=seed)
        x.sort_indices()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        expected, got = sparse.csr_matrix(sparse.diags(1.0 / norms) @ x), unit_rows(x)
        assert got.indptr.tolist() == expected.indptr.tolist() and got.indices.tolist() == expected.indices.tolist()
        assert got.data.tobytes() == expected.data.tobytes()
