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
    from .nltk_parts import snowball

    try:
        stem = snowball().SnowballStemmer(words_language(language)).stem
    except ValueError:
        return str
    return lru_cache(maxsize=1 << 18)(stem)


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, apostrophes straight ("don’t" -> "don't"); none if it has no list.

    ``language`` is a full name, as Punkt's: read sumy's list file by name, without
    ``sumy.utils``, which imports requests and pycountry (0.03 s) and whose
    ``get_stop_words`` loads pycountry's database (0.1 s); parsed as its
    ``parse_stop_words`` does.
    """
    import pkgutil

    name = words_language(language)
    if not name.isalpha():  # a name, never a path
        return frozenset()
    try:
        data = pkgutil.get_data("sumy", f"data/stopwords/{name}.txt")
    except OSError:
        return frozenset()
    if data is None:
        return frozenset()
    words = (w.rstrip() for w in data.decode("utf-8").splitlines() if w)
    return frozenset(w.replace("\u2019", "'") for w in words)
