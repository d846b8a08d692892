"""What the issue promises about the sample's digest: no boilerplate, nothing twice, honest sources."""
import re

import pytest

from conftest import SAMPLE, SAMPLE_DATE
from digest import build, load_config
from digest.clean import PATTERNS
from digest.segment import words


@pytest.fixture(scope="module")
def result():
    return build(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))


def _items(digest):
    return [item for section in digest.sections for item in section.items]


def test_no_boilerplate_in_digest(result):
    for item in _items(result.digest):
        for _, pattern, _ in PATTERNS:
            assert not re.fullmatch(rf"\s*(?:{pattern})\s*", item.fact.text, re.I), item.fact.text
        assert "Harbour Gazette has served" not in item.fact.text


def test_no_statement_twice(result):
    seen = [frozenset(w.lower() for w in words(i.fact.text)) for i in _items(result.digest)]
    for a in range(len(seen)):
        for b in range(a + 1, len(seen)):
            overlap = len(seen[a] & seen[b]) / min(len(seen[a]), len(seen[b]))
            assert overlap < 0.8, (_items(result.digest)[a].fact.text, _items(result.digest)[b].fact.text)


def test_every_source_carries_its_sentence(result):
    """A full source's own sentence has every number and name of the chosen wording."""
    digest = result.digest
    for item in _items(digest):
        fact = item.fact
        assert fact.sources, fact.text
        facts_tokens = _key_tokens(fact.text)
        for article in fact.sources:
            member = [m for m in fact.members if m.article == article]
            assert member, (fact.text, article)
            assert any(facts_tokens <= _word_set(m.text) for m in member), (fact.text, [m.text for m in member])


def _key_tokens(text):
    """Numbers and capitalised words after the first: the checkable claims of a sentence."""
    tokens = words(text)
    return {_plain(w) for w in tokens[1:] if w[0].isdigit() or w[0].isupper()}


def _plain(word):
    return word.lower().removesuffix("'s").removesuffix("’s")


def _word_set(text):
    return {_plain(w) for w in words(text)}
