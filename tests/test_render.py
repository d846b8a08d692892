"""The Markdown digest: article text stays literal text when a CommonMark renderer reads it.

Each test parses the rendered Markdown with markdown-it-py (CommonMark, raw HTML allowed,
as most renderers do) and checks the HTML it makes: no element comes from article text,
every character of it survives as text, and every linked source is a link.
"""
from __future__ import annotations

import shutil
import string
from html.parser import HTMLParser
from pathlib import Path

import markdown_it
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import build_digest, load_config
from digest.render import environment, render

DATE = "2026-11-20"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"

TITLE = "The *big* _really_ `odd` [Fair] vote & <b>more</b>!"
OUTLET = "The _Wire_ & *Co* [1]"
URL = "https://example.org/a?x=1&y=<2>&z=a b"
URL_ENCODED = "https://example.org/a?x=1&y=%3C2%3E&z=a%20b"
CODE_URL = "ftp://example.org/b`c``d"
SENTENCES = [
    "The council said <script>alert(1)</script> was found in the *x* form on Thursday morning.",
    "Officials called the _y_ rule a `rm -rf` moment after the vote in [Fair](https://evil.example) hall.",
    "The mayor said the budget would rise by 4 percent next year to pay for the work.",
]
SECOND = [
    "The council said <script>alert(2)</script> was found in the *x* form on Thursday morning after a long debate.",
    "A spokesperson added that &amp; entities and \\*escapes\\* stayed as they were on the ballot.",
]


class Page(HTMLParser):
    """The elements of an HTML fragment: tag names, links (href, text), and the text inside each tag."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[tuple[str, dict]] = []
        self._buffers: list[list[str]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._open.append((tag, dict(attrs)))
        self._buffers.append([])

    def handle_endtag(self, tag):
        while self._open:
            name, attrs = self._open.pop()
            text = "".join(self._buffers.pop())
            if self._buffers:
                self._buffers[-1].append(text)
            self.text.setdefault(name, []).append(text)
            if name == "a" and "href" in attrs:
                self.links.append((attrs["href"], text))
            if name == tag:
                break

    def handle_data(self, data):
        if self._buffers:
            self._buffers[-1].append(data)


def commonmark(markdown: str) -> Page:
    parser = markdown_it.MarkdownIt("commonmark")
    # markdown-it drops file: links by policy; what matters here is what the Markdown says.
    parser.validateLink = lambda url: True
    return Page(parser.render(markdown))


def article(title: str, url: str, outlet: str, published: str, sentences: list[str]) -> str:
    quote = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    return (f"---\ntitle: {quote(title)}\nurl: {quote(url)}\noutlet: {quote(outlet)}\npublished: {published}\n---\n"
            + "\n\n".join(sentences) + "\n")


@pytest.fixture
def hostile_markdown(write_article):
    # .txt: a .md body is read as Markdown (its emphasis dropped); a .txt body is taken literally.
    write_article("one.txt", article(TITLE, URL, OUTLET, "2026-11-20T07:45:00+00:00", SENTENCES))
    write_article("two.txt", article("Second `tick`` story", CODE_URL, "Second Outlet",
                                     "2026-11-20T08:45:00+00:00", SECOND))
    digest = build_digest(load_config(flags={"inputs": [str(write_article.folder)], "date": DATE}, environ={}))
    return digest, render(digest, "md")


def test_article_text_makes_no_elements(hostile_markdown):
    digest, markdown = hostile_markdown
    page = commonmark(markdown)
    assert "script" not in page.tags and "b" not in page.tags and "strong" not in page.tags
    # The only emphasis is the template's own, around a conflict note; the only code is the unlinked URL.
    notes = [item.note for section in digest.sections for item in section.items if item.note]
    assert page.text.get("em", []) == [f"({note})" for note in notes]
    assert page.text.get("code", []) == [CODE_URL]
    # Links: the reference markers, the source anchors' targets, and the one linkable source.
    assert [href for href, _ in page.links if not href.startswith("#")] == [URL_ENCODED]


def test_article_text_survives_as_literal_text(hostile_markdown):
    digest, markdown = hostile_markdown
    page = commonmark(markdown)
    items = page.text["li"]
    for sentence in (*SENTENCES, *SECOND):
        if any(item.fact.text == sentence for section in digest.sections for item in section.items):
            assert any(li.startswith(sentence + " [1]") or li.startswith(sentence + " [2]") for li in items), sentence
    assert sum(sentence in "".join(items) for sentence in (*SENTENCES, *SECOND)) >= 3
    assert page.text["h2"][0] == digest.sections[0].title == TITLE
    assert any(li.startswith(f"{OUTLET}: {TITLE}") for li in items)
    assert any(li.startswith(f"Second Outlet: Second `tick`` story ({CODE_URL})") for li in items)


def test_every_linkable_source_is_a_link_with_its_title(hostile_markdown):
    _, markdown = hostile_markdown
    page = commonmark(markdown)
    assert (URL_ENCODED, TITLE) in page.links
    assert {href for href, _ in page.links if href.startswith("#source-")} == {"#source-1", "#source-2"}


def test_hostile_fixtures_make_no_html_in_markdown(tmp_path):
    folder = tmp_path / "hostile"
    shutil.copytree(HOSTILE, folder)
    digest = build_digest(load_config(flags={"inputs": [str(folder)], "date": DATE}, environ={}))
    page = commonmark(render(digest, "md"))
    assert set(page.tags) <= {"h1", "h2", "ul", "ol", "li", "p", "a", "em", "code"}
    hrefs = [href for href, _ in page.links]
    assert not any(href.lower().lstrip().startswith(("javascript:", "vbscript:", "data:")) for href in hrefs)
    title = "<script>alert('title')</script> Bridge <img src=x onerror=alert(1)> closed"
    assert any(li.startswith(f"<b onmouseover=alert(1)>Evil Outlet</b>: {title} (javascript:") for li in page.text["li"])


def test_sample_sources_are_all_links(tmp_path):
    from conftest import SAMPLE, SAMPLE_DATE
    digest = build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))
    page = commonmark(render(digest, "md"))
    sources = [(href, text) for href, text in page.links if not href.startswith("#")]
    assert len(sources) == len(page.text["li"]) - sum(len(s.items) for s in digest.sections)
    assert [text for _, text in sources] == [a.title for a in _referenced(digest)]


def _referenced(digest):
    seen: dict[int, None] = {}
    for section in digest.sections:
        for item in section.items:
            for i in (*item.fact.sources, *item.fact.partial):
                seen.setdefault(i, None)
    return [digest.articles[i] for i in seen]


# Text of any characters, put where the template puts article text, reads back as itself.
TEXT = st.text(alphabet=st.sampled_from(list(string.ascii_letters[:6] + string.digits[:3] + string.punctuation
                                             + " éß—“")), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_md_filter_keeps_any_text_literal(text):
    expected = text.strip()
    if not expected:
        return
    md = environment().filters["md"]
    for markdown, tag in ((f"- {md(text)} [[1]](#source-1)\n", "li"), (f"## {md(text)}\n", "h2")):
        page = commonmark(markdown)
        assert set(page.tags) <= {"ul", "li", "p", "h2", "a"}, markdown
        got = page.text[tag][0]
        assert got.removesuffix(" [1]") == expected, markdown
    code = environment().filters["md_code"]
    page = commonmark(f"- x ({code(expected)})\n")
    assert page.text["code"] == [expected]
    url = environment().filters["md_url"]
    page = commonmark(f"- [t](<{url('https://e.org/' + expected)}>)\n")
    assert len(page.links) == 1


# ------------------------------------------------------------------ compiled templates


def _count_compiles(monkeypatch) -> list[str]:
    from jinja2.sandbox import SandboxedEnvironment

    compiled: list[str] = []
    original = SandboxedEnvironment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(SandboxedEnvironment, "compile", counting)
    return compiled


def test_compiled_templates_are_kept_between_runs_and_an_edit_is_compiled_again(tmp_path, monkeypatch):
    from conftest import SAMPLE, SAMPLE_DATE
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    compiled = _count_compiles(monkeypatch)
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "text.j2").write_text("first {{ digest.date }}\n", encoding="utf-8")
    digest = build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))

    def fresh_render() -> str:  # as a new process would: no environment in memory
        environment.cache_clear()
        return render(digest, "text", str(mine))

    assert fresh_render() == f"first {SAMPLE_DATE}\n"
    assert compiled == ["text.j2"] and list((tmp_path / "cache" / "digest" / "templates").iterdir())
    assert fresh_render() == f"first {SAMPLE_DATE}\n"
    assert compiled == ["text.j2"]  # read from the cache
    (mine / "text.j2").write_text("second {{ digest.date }}\n", encoding="utf-8")
    assert fresh_render() == f"second {SAMPLE_DATE}\n"
    assert compiled == ["text.j2", "text.j2"]
    environment.cache_clear()


def test_a_cache_folder_that_cannot_be_made_costs_only_the_compile(tmp_path, monkeypatch):
    from conftest import SAMPLE, SAMPLE_DATE
    (tmp_path / "cache").write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    environment.cache_clear()
    digest = build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))
    assert render(digest, "text").startswith("News digest")
    environment.cache_clear()


@pytest.mark.parametrize("url", ["http://[::1", "http://[zz]/", "http://ex\uff03ample.com/", "http://a:99999/", 42])
def test_safe_link_never_raises_and_refuses_a_url_that_does_not_parse(url):
    from digest.render import safe_link

    assert safe_link(url) is None
    assert safe_link(" https://a.example/x ") == "https://a.example/x"


@pytest.fixture(scope="module")
def sample_digest():
    from conftest import SAMPLE

    return build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": DATE}, environ={}))


@pytest.mark.parametrize("template, message", [
    ("{{ lipsum(1000000) }}", "lipsum past 1,000"),
    ('{{ "%999999999d" % 1 }}', "a format width over 10,000"),
    ('{{ "%999999999d"|format(1) }}', "a format width over 10,000"),
    ('{{ "{:>999999999}".format(1) }}', "a format width over 10,000"),
    ('{{ "{:>{}}".format(1, 999999999) }}', "a format width over 10,000"),
    ('{{ "x" * 999999999 }}', "a repetition longer than a digest"),
    ("{{ [digest.title] * 999999999 }}", "a repetition longer than a digest"),
    ("{{ 7 ** 99999999 }}", "a power too large"),
    ('{{ "a"|center(999999999) }}', "a width over 10,000"),
    ('{{ "a\nb"|indent(999999999) }}', "a width over 10,000"),
    ('{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}', "the output passed {limit:,} characters"),
])
def test_a_template_cannot_build_gigabytes(tmp_path, sample_digest, template, message):
    from digest.errors import ConfigError
    from digest.render import MAX_OUTPUT_CHARS

    (tmp_path / "text.j2").write_text(template)
    limit = MAX_OUTPUT_CHARS + sum(len(a.title) + len(a.url) + len(a.body) for a in sample_digest.articles)
    with pytest.raises(ConfigError, match=message.format(limit=limit)):
        render(sample_digest, "text", templates=str(tmp_path))


def test_bounded_templates_still_format_and_repeat(tmp_path, sample_digest):
    (tmp_path / "text.j2").write_text('{{ "%5.2f" % 3.14159 }}|{{ "{:>6}".format("ab") }}|{{ "ab" * 3 }}|'
                                      '{{ "a"|center(5) }}|{{ 2 ** 10 }}|{{ "%s-%s"|format(1, 2) }}')
    assert render(sample_digest, "text", templates=str(tmp_path)) == " 3.14|    ab|ababab|  a  |1024|1-2"


def test_the_output_bound_grows_with_the_days_articles(tmp_path, sample_digest, monkeypatch):
    """The JSON contract lists every article, so a day of 64,000 passed a fixed bound: the
    bound is a margin plus the characters of the day's articles (titles, addresses, text)."""
    import digest.render
    from digest.errors import ConfigError

    monkeypatch.setattr(digest.render, "MAX_OUTPUT_CHARS", 100)
    own = sum(len(a.title) + len(a.url) + len(a.body) for a in sample_digest.articles)
    (tmp_path / "text.j2").write_text("{% for i in range(" + str(own + 101) + ") %}x{% endfor %}")
    with pytest.raises(ConfigError, match=f"the output passed {100 + own:,} characters"):
        render(sample_digest, "text", templates=str(tmp_path))
    (tmp_path / "text.j2").write_text("{% for i in range(" + str(own + 100) + ") %}x{% endfor %}")
    assert len(render(sample_digest, "text", templates=str(tmp_path))) == own + 100
