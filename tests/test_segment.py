import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.models import Article
from digest.segment import is_heading, paragraphs, segment, split_sentences, word_count, words

# (text, expected sentences): each row a case a news splitter must get right.
CASES = [
    ("The U.S. and the U.N. met on Monday. Talks ended late.",
     ["The U.S. and the U.N. met on Monday.", "Talks ended late."]),
    ("Mr. Brennick spoke first. Mrs. Osei replied.", ["Mr. Brennick spoke first.", "Mrs. Osei replied."]),
    ("The vote came at 11 p.m. on Thursday. It passed.", ["The vote came at 11 p.m. on Thursday.", "It passed."]),
    ("Officials arrived at 10 a.m. The meeting began.", ["Officials arrived at 10 a.m.", "The meeting began."]),
    ('He said, "We will rebuild it." Then he left.', ['He said, "We will rebuild it."', "Then he left."]),
    ("“It is not safe,” she said. Crews left the site.", ["“It is not safe,” she said.", "Crews left the site."]),
    ("J. R. Haddad led the team. She is a geologist.", ["J. R. Haddad led the team.", "She is a geologist."]),
    ("Bills rose 3.5 percent. Wages rose 2.1 percent.", ["Bills rose 3.5 percent.", "Wages rose 2.1 percent."]),
    ("Dr. Haddad said the reef is old. Is it? Nobody knows!", ["Dr. Haddad said the reef is old.", "Is it?", "Nobody knows!"]),
    ("The firm, Blue Sound Lines Inc., added ferries. Fares stayed the same.",
     ["The firm, Blue Sound Lines Inc., added ferries.", "Fares stayed the same."]),
    ("", []),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_headline_case_line_never_glues_onto_next_sentence():
    body = "Council Votes Through Water Plan\nThe council approved the budget.\n"
    assert paragraphs(body) == ["Council Votes Through Water Plan", "The council approved the budget."]


def test_hard_wrapped_prose_is_joined():
    body = (
        "The Avalen Harbour Bridge was closed to all traffic on Thursday after\n"
        "inspectors found cracks in two of its steel support beams.\n\n"
        "Repairs could take\nthree weeks.\n"
    )
    assert paragraphs(body) == [
        "The Avalen Harbour Bridge was closed to all traffic on Thursday after inspectors found cracks in two of its steel support beams.",
        "Repairs could take three weeks.",
    ]


def test_one_paragraph_per_line_stays_apart():
    body = "First paragraph ends here.\nSecond paragraph ends here.\n"
    assert paragraphs(body) == ["First paragraph ends here.", "Second paragraph ends here."]


@pytest.mark.parametrize("line,heading", [
    ("Avalen Harbour Bridge Closed After Cracks Found", True),
    ("World News", True),
    ("Latest updates ........", True),
    ("The bridge was closed on Thursday.", False),
    ("the committee will meet again next week and", False),
])
def test_is_heading(line, heading):
    assert is_heading(line) is heading


def test_segment_keeps_origin():
    article = Article(id=7, url="u", title="t", outlet=None, published=None,
                      body="Heading Line Here\n\nOne sentence. Two sentences.\n", path="p")
    got = segment(article)
    assert [(s.text, s.article, s.paragraph, s.position) for s in got] == [
        ("Heading Line Here", 7, 0, 0),
        ("One sentence.", 7, 1, 1),
        ("Two sentences.", 7, 1, 2),
    ]


@given(st.text(alphabet="ab.-' 1\n", max_size=60), st.integers(0, 12))
def test_word_count_stops_at_its_limit_and_counts_exactly_below_it(text, limit):
    assert word_count(text) == len(words(text))
    assert word_count(text, limit=limit) == min(len(words(text)), limit)
