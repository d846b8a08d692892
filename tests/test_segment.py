import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.models import Article
from digest.errors import ConfigError
from digest.segment import (abbreviations, ends_abbreviated, is_heading, paragraphs, segment, split_sentences,
                            word_count, words)

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
    # regressions (issue 14): no item may start or end inside a sentence or a quotation
    ('"We will rebuild. It will take a year," she said. Crews left.',
     ['"We will rebuild. It will take a year," she said.', "Crews left."]),
    ("“The bridge is safe. Cars may cross. Trucks may not,” Reyes said.",
     ["“The bridge is safe. Cars may cross. Trucks may not,” Reyes said."]),
    ('"It is a long quotation. It runs on. And on. And on. And on past the end.',  # over several paragraphs
     ['"It is a long quotation."', '"It runs on."', '"And on."', '"And on."', '"And on past the end."']),
    ('Fares will rise," the operator said. Riders were angry.',  # its opening quote was in the paragraph before
     ['"Fares will rise," the operator said.', "Riders were angry."]),
    ('it rained on you."Crews will stay," Reyes said. They did.',  # no space after the closing quote
     ["it rained on you.", '"Crews will stay," Reyes said.', "They did."]),
    ("“The beams are cracked,\" Reyes said.", ["“The beams are cracked,” Reyes said."]),  # mixed quote styles
    ("``The beams are cracked,'' Reyes said.", ["“The beams are cracked,” Reyes said."]),  # PTB quotes
    ("The crew called them \"cracked beyond repair'' on Friday.", ['The crew called them "cracked beyond repair" on Friday.']),
    ("The beam (the one on the north side. It is older) failed. Crews left.",
     ["The beam (the one on the north side. It is older) failed.", "Crews left."]),
    ("Officials said Sgt. Ana Reyes found it. Gov. Tom Lee agreed.", ["Officials said Sgt. Ana Reyes found it.", "Gov. Tom Lee agreed."]),
    ("The ferry was No. 2 in the survey. It won.", ["The ferry was No. 2 in the survey.", "It won."]),
    ("He stood 6'2\" tall. He left.", ["He stood 6'2\" tall.", "He left."]),
    # plural titles, Mt., e.g./i.e. and state abbreviations: no sentence ends on them
    ("Sens. Harlow and Obi voted against it. The bill passed.", ["Sens. Harlow and Obi voted against it.", "The bill passed."]),
    ("Govs. Reyes and Hale met on Monday. They agreed.", ["Govs. Reyes and Hale met on Monday.", "They agreed."]),
    ("The letter went to Pres. Ana Reyes. She did not reply.", ["The letter went to Pres. Ana Reyes.", "She did not reply."]),
    ("Crews reached Mt. Tarro at dawn. Two climbers were safe.", ["Crews reached Mt. Tarro at dawn.", "Two climbers were safe."]),
    ("Some towns, e.g. Orvale and Tessa, voted against it. Others abstained.",
     ["Some towns, e.g. Orvale and Tessa, voted against it.", "Others abstained."]),
    ("The main cost, i.e. fuel, rose. Fares followed.", ["The main cost, i.e. fuel, rose.", "Fares followed."]),
    ("Rep. Tom Lee (D-Md.) voted yes. The bill passed.", ["Rep. Tom Lee (D-Md.) voted yes.", "The bill passed."]),
    ("The plant in Little Rock, Ark., on Monday cut 40 jobs. More cuts are due.",
     ["The plant in Little Rock, Ark., on Monday cut 40 jobs.", "More cuts are due."]),
    ("Police in Little Rock, Ark. Monday arrested two men. Both were released.",
     ["Police in Little Rock, Ark. Monday arrested two men.", "Both were released."]),
    ("A fire near Billings, Mont. Tuesday burned 40 acres. Crews from Casper, Wyo. Wednesday helped.",
     ["A fire near Billings, Mont. Tuesday burned 40 acres.", "Crews from Casper, Wyo. Wednesday helped."]),
    # a sentence still ends on an abbreviation when a sentence plainly starts after it
    ("He climbed Mt. Tarro. The mayor said so.", ["He climbed Mt. Tarro.", "The mayor said so."]),
    ("He lives in Annapolis, Md. The mayor said so.", ["He lives in Annapolis, Md.", "The mayor said so."]),
    # a clock time before its zone, a name's initials before the rest of it: one sentence
    ("The debate starts at 8 p.m. ET on Tuesday. Tickets sold out.", ["The debate starts at 8 p.m. ET on Tuesday.", "Tickets sold out."]),
    ("The debate starts at 8 p.m. ET. Tickets sold out.", ["The debate starts at 8 p.m. ET.", "Tickets sold out."]),
    ("The novel of A.B.C. Orrin, who died in May, sold well.", ["The novel of A.B.C. Orrin, who died in May, sold well."]),
    ("The notice for Ana B. “Bee” Orrin ran on Sunday.", ["The notice for Ana B. “Bee” Orrin ran on Sunday."]),
    ("Former football star and actor P.K. Orrin was granted parole on Thursday.",
     ["Former football star and actor P.K. Orrin was granted parole on Thursday."]),
    ("It was true of Ada Orrin, Ivo K.M. Orrin and Tessa Lind.", ["It was true of Ada Orrin, Ivo K.M. Orrin and Tessa Lind."]),
    # ... but initials or a letter that end a sentence still end it
    ("She studied at N.Y.U. It was costly.", ["She studied at N.Y.U.", "It was costly."]),
    ("Prices rose across the E.U. Tarsel was hit hardest.", ["Prices rose across the E.U.", "Tarsel was hit hardest."]),
    ("No one had left the continental U.S. Whether he did is unclear.",
     ["No one had left the continental U.S.", "Whether he did is unclear."]),
    ("They formed Group B. However, the plan failed.", ["They formed Group B.", "However, the plan failed."]),
    # two sentences with no space between them, as joined paragraphs leave them
    ("The crews left at dawn.The road reopened at noon.", ["The crews left at dawn.", "The road reopened at noon."]),
    ("It was over!Fans left.", ["It was over!", "Fans left."]),
    ("The letter went to Dr.Reyes on Monday.", ["The letter went to Dr.Reyes on Monday."]),
    ('The mayor left this week."She was a kind woman," Ana said.', ["The mayor left this week.", '"She was a kind woman," Ana said.']),
    ('He said "it is over."The crowd left.', ['He said "it is over."', "The crowd left."]),
    ('"It hurts.""She reached out," Meg said.', ['"It hurts."', '"She reached out," Meg said.']),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


LEAD_WRAPPED = ("The Avalen Harbour Bridge was closed to all traffic on Thursday after inspectors found cracks "
                "in two of its steel support beams, and President Ana Reyes and Prime Minister Tom Lee said "
                "repairs would take three weeks.")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


@pytest.mark.parametrize("width", [24, 30, 40, 55, 72, 100])
def test_hard_wrapped_text_joins_whatever_its_width(width):
    # regression (issue 14): wrapped lines that looked like headings ("President Ana Reyes and
    # Prime Minister") stood alone, and items started or ended mid-sentence
    body = "Harbour Bridge Shut\n\n" + _wrap(LEAD_WRAPPED, width) + "\n\n" + _wrap("Ferries ran every ten minutes.", width)
    assert paragraphs(body) == ["Harbour Bridge Shut", LEAD_WRAPPED, "Ferries ran every ten minutes."]


# (body, paragraphs): line structures of real article files.
PARAGRAPHS = [
    ("_ The council voted seven to two.\n_ Fares rise in May.\n", ["The council voted seven to two.", "Fares rise in May."]),
    ("• First point made here.\n• Second point made here.\n", ["First point made here.", "Second point made here."]),
    ("– A fugitive was arrested on Friday.\n", ["A fugitive was arrested on Friday."]),
    ("• One point made. • Another point made.", ["One point made.", "Another point made."]),
    # an editors' note stands alone (the clean stage drops it), never glued to prose
    ("(Eds: Updates with vote.)\nThe council voted on\nThursday.", ["(Eds: Updates with vote.)", "The council voted on Thursday."]),
    ("The council met on Thursday\nCouncil vote, 2nd graf pvs\nand voted.", ["The council met on Thursday", "Council vote, 2nd graf pvs", "and voted."]),
    # a scrape's blank line inside a sentence is bridged when the next part starts in lower case
    ("At some point the firearm was loaded and then thought to be unloaded\n\nby one of the boys.",
     ["At some point the firearm was loaded and then thought to be unloaded by one of the boys."]),
    # ... but list items of their own stay apart
    ("The library opens on Sundays.\n\nlonger hours\n\nstep-free access", ["The library opens on Sundays.", "longer hours", "step-free access"]),
    ("//Harbour Bridge Shut//\nThe bridge closed.", ["//Harbour Bridge Shut//", "The bridge closed."]),
    ("Local news, local voices /\nThe bridge closed.", ["Local news, local voices /", "The bridge closed."]),
    # a page's furniture, line under line: each line the author broke stands apart
    ("Cookie settings: we would like to use cookies. Accept | Reject | Manage\nORB News · Marrow and the East\n"
     "By Colm Ristard, Marrow political reporter\nShare this page\n\n" + LEAD_WRAPPED,
     ["Cookie settings: we would like to use cookies. Accept | Reject | Manage", "ORB News · Marrow and the East",
      "By Colm Ristard, Marrow political reporter", "Share this page", LEAD_WRAPPED]),
    ("Malin punches the air as the result is read out\nPicture: Klaxon Pictures / Nico Brandt",
     ["Malin punches the air as the result is read out", "Picture: Klaxon Pictures / Nico Brandt"]),
]


@pytest.mark.parametrize("body,expected", PARAGRAPHS)
def test_paragraphs(body, expected):
    assert paragraphs(body) == expected


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


def test_abbreviations_are_punkts_and_the_extra_ones_read_once():
    known = abbreviations("english")
    assert {"u.s", "d.c", "sen", "sens", "govs", "pres", "mt", "e.g", "i.e", "ark", "md", "mont", "wyo"} <= known
    assert "said" not in known and "bridge" not in known
    assert abbreviations("english") is known
    with pytest.raises(ConfigError, match="no sentence splitter"):
        abbreviations("klingon")


@pytest.mark.parametrize("text, abbreviated", [
    ("The council met in Washington, D.C.", True),
    ("Talks were held in the U.S.", True),
    ("The plant is in Little Rock, Ark.", True),
    ("Crews flew in from (Casper, Wyo.", True),
    ("The council met in Orvale.", False),
    ("The mayor said no.", False),  # "no" is an abbreviation only as "No. 2"
    ("Two workers fell ill.", False),
    ("Prices rose 3.5.", False),
    ("The vote passed", False),
])
def test_ends_abbreviated(text, abbreviated):
    assert ends_abbreviated(text) is abbreviated


def test_a_paragraph_of_megabytes_is_read_in_pieces_cut_at_sentence_ends(monkeypatch):
    # NLTK stops a Punkt search after 5 s, which a paragraph of megabytes reaches: it is
    # read in pieces, cut after sentence ends, and the sentences are those of one reading.
    import digest.segment as seg

    text = " ".join(
        f"Mr. Okafor said {k} boats left the harbour at 6 a.m. on Monday. Was it safe? The U.S. Coast Guard said yes!"
        for k in range(40)
    )
    whole = seg.sentence_spans(text)
    monkeypatch.setattr(seg, "PUNKT_CHARS", 300)
    pieces = seg.sentence_spans(text)
    assert pieces == whole and len(whole) >= 80
    assert all(text[start:end].endswith((".", "?", "!")) for start, end, _, _ in pieces)
