"""Stop words and stems shared by dedup, the ranker and stories."""
from digest.segment import languages
from digest.terms import stemmer, stop_words


def test_every_splitter_language_with_a_sumy_list_gets_stop_words():
    assert {"the", "and", "don't"} <= stop_words("english")
    assert {"und", "der"} <= stop_words("german")
    assert sum(bool(stop_words(language)) for language in languages()) >= 10


def test_a_punkt_variant_uses_its_language_words():
    assert stop_words("english_web") == stop_words("english")
    assert stemmer("english_web")("running") == stemmer("english")("running") == "run"


def test_a_language_without_lists_gets_none_and_keeps_words_whole():
    assert stop_words("malayalam") == frozenset()
    assert stop_words("../stopwords/english") == frozenset()
    assert stemmer("klingon")("running") == "running"
