"""Stop words and word stems shared by the stages that compare wordings (dedup, the ranker, stories)."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable


def words_language(language: str) -> str:
    """The language whose words a Punkt variant uses ("english_web" -> "english")."""
    return language.partition("_")[0]


@lru_cache(maxsize=None)
def stemmer(language: str) -> Callable[[str], str]:
    """The language's Snowball stem function (``str`` when Snowball has none), memoised.

    One cache for the process: the stages stem the same words of the day, and Snowball
    costs about 20 us a word. Bounded, so a long-lived process cannot grow it forever.
    """
    from nltk.stem.snowball import SnowballStemmer

    try:
        stem = SnowballStemmer(words_language(language)).stem
    except ValueError:
        return str
    return lru_cache(maxsize=1 << 18)(stem)


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, apostrophes straight ("don’t" -> "don't"); none if it has no list.

    ``language`` is a full name, as Punkt's: read sumy's list by name, without its
    ``get_stop_words``, whose language-code lookup loads pycountry's database (0.1 s).
    """
    from sumy.utils import expand_resource_path, read_stop_words

    name = words_language(language)
    if not name.isalpha():  # a name, never a path
        return frozenset()
    try:
        words = read_stop_words(expand_resource_path(f"stopwords/{name}.txt"))
    except OSError:
        return frozenset()
    return frozenset(w.replace("\u2019", "'") for w in words)
