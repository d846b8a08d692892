"""Clean: drop the lines that are not news before anything is ranked.

Two signals: patterns (the built-in table plus the user's ``boilerplate_patterns``)
matched against each line, and the corpus: a line repeated verbatim across
several articles of one outlet is that outlet's furniture, not its news.
"""
from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from typing import Sequence

from .config import Config
from .errors import ConfigError
from .models import Article, Drop, Sentence
from .segment import is_heading, word_count, words

# (rule, pattern, needles): a pattern matches a whole line, case-insensitively. A pattern
# opening with ".{0,N}" is looked for along the whole line, which on a day of news costs
# more than all the other patterns together; its needles are strings one of which every
# line it matches contains (case-folded), so a line with none of them is spared it.
PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("call to action", r"(?:please\s+)?(?:join|follow|like|find|subscribe to|message)\s+us\b.{0,60}", ()),
    ("call to action", r"(?:share|tweet|email|print)(?:\s+(?:this|on|via)\b.{0,40})?", ()),
    ("call to action", r"(?:click|tap)\s+here\b.{0,80}|download (?:our|the) app\b.{0,60}", ()),
    ("call to action", r"(?:stay|keep) (?:up to date|informed|updated)\b.{0,80}(?:follow|subscribe|sign up|newsletter|app|channel).{0,40}", ()),
    ("comments", r"(?:post|leave|add|view|show|read)\s+(?:a\s+|all\s+|the\s+)?comments?\b.{0,30}|\d+\s+comments?|comments?\s*[:(]?\s*\d+\)?", ()),
    ("newsletter", r".{0,60}\b(?:sign up|subscribe)\b.{0,40}\bnewsletters?\b.{0,60}|.{0,40}\bnewsletters?\b.{0,20}\b(?:sign up|subscribe)\b.{0,40}", ("newsletter",)),
    ("newsletter", r"(?:get|have) (?:the|our) .{0,40}\bdelivered\b.{0,40}(?:inbox|email).{0,20}", ()),
    ("contact", r".{0,60}(?:contact|email|e-mail|write to|reach)\b.{0,40}\b[\w.+-]+@[\w-]+\.[\w.-]+.{0,20}|[\w.+-]+@[\w-]+\.[\w.-]+", ("@",)),
    ("dateline", r"(?:today|updated|published|posted|last updated|date)\s*[:|-]?\s*.{0,20}\d{1,2},?\s+\d{4}.{0,20}", ()),
    ("dateline", r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+.{0,12}\d{4}.{0,15}", ()),
    ("byline", r"by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:\s*(?:,|and|&|\|)\s*.{0,60})?", ()),
    ("byline", r"(?:written|reported|reporting|edited)\s+by\b.{0,80}|(?:staff|senior|political|chief)\s+(?:writer|reporter|correspondent).{0,40}", ()),
    ("related", r"(?:related|read more|read also|also read|see also|more|watch|listen|recommended|trending|most read)\s*[:|>»-].{0,200}", ()),
    ("caption", r"(?:photo|image|picture|pictured|file photo|caption|credit|photograph|illustration)s?\s*(?:[:|/(]|by\b).{0,160}", ()),
    ("caption", r".{0,160}\((?:photo|image|credit|file)[^)]{0,80}\)|.{0,120}(?:/\s*)?(?:getty images|ap photo|afp via getty)\.?", ("(photo", "(image", "(credit", "(file", "getty images", "ap photo", "afp via getty")),
    ("media fallback", r"your browser does not support .{0,60}|(?:please )?enable javascript.{0,80}|(?:loading|play|watch) (?:video|audio)\.?", ()),
    ("furniture", r"advertisement|sponsored(?: content)?|skip to (?:main )?content|(?:©|copyright)\s.{0,120}|all rights reserved\.?", ()),
)


# "AVALEN (Northern Wire) - ", "LONDON, Nov. 20 (Reuters) — ", "PARIS — ": a wire dateline
# opening a lead sentence. It is removed so the same wire sentence matches across outlets.
_WIRE_DATELINE = re.compile(
    r"^[A-Z]{2}[A-Z .,'’-]{0,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([^()]{1,40}\)\s*)?[-–—]+\s+(?=[A-Z\"“‘'])"
)


def strip_dateline(text: str) -> str:
    """The sentence without a leading wire dateline."""
    return _WIRE_DATELINE.sub("", text, count=1)


# The built-in patterns without needles as one alternation, and those with needles each
# on its own: nearly every line matches none of them, and this says so in one regex call.
_ANCHORED = re.compile(r"\s*(?:" + "|".join(f"(?:{p})" for _, p, n in PATTERNS if not n) + r")\s*", re.IGNORECASE)
_NEEDLED = [(n, re.compile(rf"\s*(?:{p})\s*", re.IGNORECASE)) for _, p, n in PATTERNS if n]


def _any_builtin(text: str) -> bool:
    """Whether some built-in pattern matches ``text`` (the same answer as trying each)."""
    if _ANCHORED.fullmatch(text):
        return True
    folded = text.casefold()
    return any(any(n in folded for n in needles) and pattern.fullmatch(text) for needles, pattern in _NEEDLED)


def compile_patterns(extra: Sequence[str] = ()) -> list[tuple[str, re.Pattern[str]]]:
    """The built-in patterns and the user's, compiled to match whole lines."""
    compiled = [(rule, re.compile(rf"\s*(?:{p})\s*", re.IGNORECASE)) for rule, p, _ in PATTERNS]
    for p in extra:
        try:
            compiled.append(("user pattern", re.compile(rf"\s*(?:{p})\s*", re.IGNORECASE)))
        except re.error as exc:
            raise ConfigError(f"boilerplate_patterns: bad regular expression {p!r}: {exc}") from None
    return compiled


def _normal(text: str) -> str:
    return " ".join(w.lower() for w in words(text))


_ALNUM = re.compile(r"[^\W_]")  # one character for which str.isalnum() holds


def _rule_for(sentence: Sentence, title: str, patterns, title_normal: str | None = None) -> str | None:
    """The rule that makes this line boilerplate, or None when it is news.

    ``patterns`` is what ``compile_patterns`` returns (the built-in ones first);
    ``title_normal`` is ``_normal(title)`` when the caller has it already.
    """
    text = sentence.text.strip()
    if not _ALNUM.search(text):
        return "separator"
    first = 0 if _any_builtin(text) else len(PATTERNS)
    for rule, pattern in patterns[first:]:
        if pattern.fullmatch(text):
            return rule
    title_words = 0
    if title:
        if title_normal is None:
            title_normal = _normal(title)
        title_words = title_normal.count(" ") + 1  # words hold no spaces
    # Enough to tell a fragment (under 4 words) and a line of the title's length apart.
    n = word_count(text, limit=max(4, title_words + 1))
    if title_words and n == title_words and _normal(text) == title_normal:
        return "headline copy"
    if is_heading(text):
        return "heading"
    if n < 4:
        return "fragment"
    return None


def remove_boilerplate(
    articles: Sequence[Article], sentences: Sequence[Sentence], config: Config
) -> tuple[list[Sentence], list[Drop]]:
    """Split sentences into news and boilerplate drops (each with the rule that dropped it)."""
    patterns = compile_patterns(config.boilerplate_patterns)
    by_id = {a.id: a for a in articles}
    title_normals = {a.id: _normal(a.title) for a in articles}

    # Corpus signal: the same line in several articles of one outlet.
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for s in sentences:
        outlet = by_id[s.article].outlet
        if outlet:
            seen[(outlet, _normal(s.text))].add(s.article)
    repeated = {key for key, ids in seen.items() if len(ids) >= config.boilerplate_min_repeats}

    kept: list[Sentence] = []
    drops: list[Drop] = []
    for s in sentences:
        article = by_id[s.article]
        text = strip_dateline(s.text)
        if text != s.text:
            s = dataclasses.replace(s, text=text)
        rule = _rule_for(s, article.title, patterns, title_normals[article.id])
        if rule is None and article.outlet and (article.outlet, _normal(s.text)) in repeated:
            rule = f"repeated in {config.boilerplate_min_repeats}+ articles of {article.outlet}"
        if rule is None:
            kept.append(s)
        else:
            drops.append(Drop(sentence=s, rule=rule))
    return kept, drops
