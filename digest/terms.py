"""Stop words and word stems shared by the stages that compare wordings (dedup, the ranker, stories)."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable


@lru_cache(maxsize=None)
def stemmer(language: str) -> Callable[[str], str]:
    """The language's Snowball stem function (``str`` when Snowball has none), memoised.

    One cache for the process: the stages stem the same words of the day, and Snowball
    costs about 20 us a word. Bounded, so a long-lived process cannot grow it forever.
    """
    from nltk.stem.snowball import SnowballStemmer

    try:
        stem = SnowballStemmer(language).stem
    except ValueError:
        return str
    return lru_cache(maxsize=1 << 18)(stem)


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, apostrophes straight ("don’t" -> "don't"); none if it has no list."""
    from sumy.utils import get_stop_words

    try:
        return frozenset(w.replace("\u2019", "'") for w in get_stop_words(language))
    except LookupError:
        return frozenset()
