"""Markdown article bodies as plain text: the words a reader sees, none of the markup.

markdown-it-py parses the body as CommonMark, in time linear in its length (the
hand-written regular expressions this replaces took minutes on a few hundred
kilobytes of ``*a *a *a``); the token stream is then read back as text. Headings,
paragraphs, list items, quotes and HTML blocks become paragraphs of their own, separated
by blank lines; inside a paragraph, emphasis, links and inline HTML tags go and their
words stay; line breaks stay as the author wrote them (``segment.paragraphs`` joins
hard-wrapped lines); images, whose alt text describes a picture rather than tells the
news, are left out.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .readers import html_to_text

# Blocks whose inline content is a paragraph of its own.
_TEXT_BLOCKS = frozenset({"paragraph_open", "heading_open"})
# Blocks whose content is literal text (their lines kept as written).
_LITERAL_BLOCKS = frozenset({"code_block", "fence"})


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    # Only the link text is kept, so any destination will do: markdown-it refuses
    # javascript: links and would then show "[click](javascript:...)" as text.
    parser.validateLink = lambda url: True
    return parser


def _inline_text(children: Sequence[Token]) -> str:
    """An inline token's words: text and code spans, line breaks as newlines, markup dropped
    (and what a ``<script>`` or ``<style>`` holds, which no browser shows)."""
    out: list[str] = []
    hidden = ""  # the closing tag that ends a script or style
    for token in children:  # an image is one token: its alt text is its children, never read
        if token.type == "html_inline":
            tag = token.content.lower()
            if hidden:
                hidden = "" if tag.startswith(hidden) else hidden
            elif tag.startswith(("<script", "<style")) and not tag.endswith("/>"):
                hidden = "</" + tag[1:].split(None, 1)[0].rstrip(">")
            elif tag.startswith(("<br", "<p", "</p")):
                out.append("\n")
        elif hidden:
            continue
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type in ("text", "code_inline"):
            out.append(token.content)
    return "".join(out)


def markdown_to_text(markdown: str) -> str:
    """The plain text of a Markdown body: one paragraph per block, blank-line separated."""
    blocks: list[str] = []
    tokens = _parser().parse(markdown)
    for i, token in enumerate(tokens):
        if token.type == "inline" and i and tokens[i - 1].type in _TEXT_BLOCKS:
            found = [_inline_text(token.children or ())]
        elif token.type in _LITERAL_BLOCKS:
            found = [token.content]
        elif token.type == "html_block":
            found = html_to_text(token.content).split("\n\n")
        else:
            continue
        for text in found:
            lines = (" ".join(line.split()) for line in text.splitlines())
            if text := "\n".join(line for line in lines if line):
                blocks.append(text)
    return "\n\n".join(blocks)
