import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.clean import PATTERNS, remove_boilerplate, strip_dateline
from digest.config import Config
from digest.errors import ConfigError
from digest.models import Article, Sentence

NEWS = [
    "The council approved the budget on Tuesday by a vote of seven to two.",
    "By the end of the week, the mayor said, repairs would begin.",
    "More than 300 people attended the meeting.",
    "The photo exhibition opens on Friday in the old harbour hall.",
    "Readers who follow the council closely were not surprised.",
]
BOILERPLATE = [
    ("Join us on WhatsApp", "call to action"),
    ("Follow us on X for breaking news.", "call to action"),
    ("Share this article", "call to action"),
    ("Post a Comment", "comments"),
    ("12 Comments", "comments"),
    ("Sign up for our morning newsletter to get the news first.", "newsletter"),
    ("Contact the newsroom at tips@gazette.example", "contact"),
    ("Today : Feb 26, 2025", "dateline"),
    ("World News", "heading"),
    ("*** *** ***", "separator"),
    ("By Maria Lopez, Staff Reporter", "byline"),
    ("RELATED: Council delays vote on harbour plan", "related"),
    ("Photo: A crane at the port. (Credit: Jan Novak/Example Images)", "caption"),
    ("Your browser does not support the audio element.", "media fallback"),
    ("Harbour plan approved", "headline copy"),
]


def _run(lines, config=Config(), outlet="Gazette", title="Harbour plan approved"):
    article = Article(0, "u", title, outlet, None, "", "p")
    sentences = [Sentence(t, 0, i, i) for i, t in enumerate(lines)]
    return remove_boilerplate([article], sentences, config)


def test_news_is_kept():
    kept, drops = _run(NEWS)
    assert [s.text for s in kept] == NEWS and drops == []


@pytest.mark.parametrize("line,rule", BOILERPLATE)
def test_boilerplate_is_dropped_with_its_rule(line, rule):
    kept, drops = _run([line])
    assert kept == [] and [d.rule for d in drops] == [rule]


def test_user_patterns_extend_the_table():
    line = "Listen to the Harbour Hour podcast every Monday morning."
    assert _run([line])[0]
    kept, drops = _run([line], Config(boilerplate_patterns=(r"listen to the .* podcast.*",)))
    assert kept == [] and drops[0].rule == "user pattern"


def test_bad_user_pattern_is_a_config_error():
    with pytest.raises(ConfigError, match="bad regular expression"):
        _run(NEWS, Config(boilerplate_patterns=("(unclosed",)))


def test_line_repeated_across_articles_of_one_outlet_is_dropped():
    footer = "The Gazette has served the coast since 1921."
    articles = [Article(i, f"u{i}", f"Story {i}", "Gazette", None, "", "p") for i in range(3)]
    other = Article(3, "u3", "Other", "Courier", None, "", "p")
    sentences = [Sentence(footer, i, 0, 0) for i in range(3)] + [Sentence(footer, 3, 0, 0)]
    kept, drops = remove_boilerplate(articles + [other], sentences, Config())
    assert [s.article for s in kept] == [3]  # another outlet saying it once is news
    assert all("repeated in 3+ articles of Gazette" == d.rule for d in drops)
    kept, _ = remove_boilerplate(articles[:2] + [other], sentences[:2] + sentences[3:], Config())
    assert len(kept) == 3  # twice is not yet "several"


@pytest.mark.parametrize("text,expected", [
    ("AVALEN (Northern Wire) - The bridge closed.", "The bridge closed."),
    ("LONDON, Nov. 20 (Example News) — Prices rose.", "Prices rose."),
    ("PARIS — The talks ended.", "The talks ended."),
    ("NASA said on Friday that it would launch.", "NASA said on Friday that it would launch."),
    # regression (issue 14): "BRUSSELS, Belgium (AP) - The European Union on Tuesday approved 6.4" was a headline
    ("BRUSSELS, Belgium (AP) - The union approved the plan.", "The union approved the plan."),
    ("KELSA, New Holm (Example Wire) — Divers returned.", "Divers returned."),
    ("SPOKANE, Wash. - The city voted.", "The city voted."),
    ("GAZA/JERUSALEM (Example Wire) - Talks resumed.", "Talks resumed."),
    ("NEW YORK -- Stocks fell.", "Stocks fell."),
    ("AVALEN (AP) _ The bridge closed.", "The bridge closed."),
    ("WASHINGTON—The vote passed.", "The vote passed."),
    ("(CNN) The bridge closed.", "The bridge closed."),
    ("(Example Wire) — The bridge closed.", "The bridge closed."),
    ("US - China talks resumed.", "US - China talks resumed."),
    ("The mayor - who was late - spoke.", "The mayor - who was late - spoke."),
    ("I - Told you so.", "I - Told you so."),
])
def test_strip_dateline(text, expected):
    assert strip_dateline(text) == expected


NEEDLED = [(rule, pattern, needles) for rule, pattern, needles in PATTERNS if needles]


@pytest.mark.parametrize("rule, pattern, needles", NEEDLED, ids=[f"{r}-{k}" for k, (r, _, _) in enumerate(NEEDLED)])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_line_a_needled_pattern_matches_has_a_needle(rule, pattern, needles, data):
    # The needles only spare the regex on lines without them: they must never skip a match.
    line = data.draw(st.from_regex(re.compile(rf"\s*(?:{pattern})\s*", re.IGNORECASE), fullmatch=True))
    assert any(n in line.casefold() for n in needles), (rule, line)


@pytest.mark.parametrize("line, rule", [
    ("Want the news first? Sign up for the Harbour Gazette newsletter.", "newsletter"),
    ("Send your tips: write to newsroom@gazette.example any time.", "contact"),
    ("Cranes at the port on Monday (Photo by Jan Novak)", "caption"),
    ("Crowds outside the hall. AP Photo", "caption"),
])
def test_needled_patterns_still_drop_their_lines(line, rule):
    sentence = Sentence(text=line, article=0, paragraph=0, position=0)
    kept, drops = remove_boilerplate([Article(0, "u", "Harbour", None, None, line, "p")], [sentence], Config())
    assert not kept and drops[0].rule == rule
