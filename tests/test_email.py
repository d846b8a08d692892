"""The .eml: MIME structure, headers, CRLF, size, escaping, link schemes, determinism."""
from __future__ import annotations

import dataclasses
import random
import re
import shutil
from email import policy
from email.parser import BytesParser
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest import load_config
from digest.cli import main
from digest.email import HTML_SIZE_LIMIT, build_message, message_bytes
from digest.errors import ConfigError
from digest.pipeline import build
from digest.render import EMAIL_LINK_SCHEMES, LOCAL_LINK_SCHEMES, render, safe_link

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
DATE = "2026-11-20"
EMAIL = {"from": "News Digest <digest@news.example>", "to": ["reader@example.org"],
         "unsubscribe_url": "https://news.example/unsubscribe?list=daily&u=1"}


def configure(inputs, **flags):
    return load_config(flags={"inputs": [str(p) for p in inputs], "date": DATE, "email": EMAIL, **flags}, environ={})


@pytest.fixture(scope="module")
def sample():
    """The shipped sample's digest and config (built once: the pipeline takes seconds)."""
    config = configure([ROOT / "input"])
    return build(config).digest, config


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


class Markup(HTMLParser):
    """Every tag with its attributes, to check what is markup (not what is escaped text)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._href: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None


# --- structure and headers ------------------------------------------------------------------------

def test_multipart_alternative_with_text_first_then_html(sample):
    msg = parse(message_bytes(*sample))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
    assert msg.get_body(("plain",)).get_content().startswith("News digest — 2026-11-20")


def test_headers(sample):
    msg = parse(message_bytes(*sample))
    assert msg["From"] == "News Digest <digest@news.example>"
    assert msg["To"] == "reader@example.org"
    assert msg["Subject"] == "News digest — 2026-11-20"
    assert msg["Date"] == "Fri, 20 Nov 2026 07:00:00 +0000"
    assert re.fullmatch(r"<digest-2026-11-20\.[0-9a-f]{16}@news\.example>", msg["Message-ID"])
    assert msg["List-Id"] == "<digest.news.example>"
    assert msg["List-Unsubscribe"] == "<https://news.example/unsubscribe?list=daily&u=1>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_several_recipients_are_not_listed_in_the_file(sample):
    digest, config = sample
    config = config.replace(email=dataclasses.replace(config.email, to=("a@example.org", "Bee <b@example.org>")))
    raw = message_bytes(digest, config)
    assert parse(raw)["To"] == "undisclosed-recipients:;"  # deliver.send gives each their own copy
    assert b"a@example.org" not in raw and b"b@example.org" not in raw


@pytest.mark.parametrize(("url", "unsubscribe", "post"), [
    (None, None, None),
    ("mailto:leave@news.example", "<mailto:leave@news.example>", None),  # RFC 8058 one-click needs https
    ("https://news.example/u", "<https://news.example/u>", "List-Unsubscribe=One-Click"),
])
def test_list_unsubscribe_only_when_configured(sample, url, unsubscribe, post):
    digest, config = sample
    config = config.replace(email=dataclasses.replace(config.email, unsubscribe_url=url))
    msg = build_message(digest, config)
    assert msg["List-Unsubscribe"] == unsubscribe
    assert msg["List-Unsubscribe-Post"] == post


@pytest.mark.parametrize(("field", "value", "error"), [
    ("unsubscribe_url", "javascript:alert(1)", "email.unsubscribe_url"),
    ("subject", "Digest {day}", "email.subject"),
    ("from_", "not an address", "email.from"),
    ("to", ("ok@example.org", "nope"), "email.to"),
])
def test_bad_email_settings_are_config_errors(sample, field, value, error):
    digest, config = sample
    config = config.replace(email=dataclasses.replace(config.email, **{field: value}))
    with pytest.raises(ConfigError, match=error):
        build_message(digest, config)


def test_subject_template_and_header_injection(sample):
    digest, config = sample
    config = config.replace(email=dataclasses.replace(config.email, subject="Morning\r\nBcc: x@evil.example {date}"))
    msg = parse(message_bytes(digest, config))
    assert msg["Subject"] == "Morning Bcc: x@evil.example 2026-11-20"
    assert msg["Bcc"] is None


def test_crlf_line_endings_and_short_lines(sample):
    raw = message_bytes(*sample)
    assert b"\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")  # no bare LF
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_rerun_is_byte_identical(sample, tmp_path):
    assert message_bytes(*sample) == message_bytes(*sample)
    argv = ["run", str(ROOT / "input"), "--date", DATE, "--format", "eml"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "a" / f"digest-{DATE}.eml").read_bytes() == (tmp_path / "b" / f"digest-{DATE}.eml").read_bytes()


# --- the HTML part follows email conventions -------------------------------------------------------

def html_part(digest, config) -> str:
    return parse(message_bytes(digest, config)).get_body(("html",)).get_content()


def test_html_is_small_enough_not_to_be_clipped(sample):
    size = len(html_part(*sample).encode("utf-8"))
    assert size < HTML_SIZE_LIMIT, f"HTML part is {size} bytes; Gmail clips above ~102 KB"


def test_html_layout_inlined_css_preheader_and_color_scheme(sample):
    digest, config = sample
    html = html_part(digest, config)
    markup = Markup(html)
    tables = [attrs for tag, attrs in markup.tags if tag == "table"]
    assert any(t.get("width") == "600" and "width: 600px" in (t.get("style") or "") for t in tables)
    assert all(t.get("role") == "presentation" for t in tables)
    # CSS is in style attributes; the <style> left over holds only the @media rules.
    assert all(attrs.get("style") for tag, attrs in markup.tags if tag in ("h1", "h2", "p", "td") and attrs.get("class"))
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "prefers-color-scheme: dark" in style
    assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", style).strip() == ""
    metas = {attrs.get("name"): attrs.get("content") for tag, attrs in markup.tags if tag == "meta"}
    assert metas["color-scheme"] == "light dark"
    preheader = re.search(r'<div class="preheader" style="display:none;[^"]*">(.*?)</div>', html, re.S).group(1)
    lead = digest.sections[0].items[0].fact.text
    assert preheader.startswith(html_escape(lead[:60]))
    assert all(attrs.get("alt") for tag, attrs in markup.tags if tag == "img")
    assert not [tag for tag, attrs in markup.tags if tag in ("link", "script", "iframe", "object")]
    assert not re.search(r"""(src|background)=["']?(https?:)?//""", html)  # nothing remote to fetch
    assert "https://news.example/unsubscribe?list=daily&amp;u=1" in html


def test_every_item_has_tappable_outlet_links(sample):
    digest, config = sample
    html = html_part(digest, config)
    items = re.findall(r'<p class="item".*?</p>', html, re.S)
    assert len(items) == sum(len(s.items) for s in digest.sections)
    for item in items:
        links = Markup(item).links
        texts = [text for _, text in links]
        spans = re.findall(r'class="srctext"', item)
        assert links or spans, item
        assert all(re.fullmatch(r"[^/]+\xa0\[\d+\]", text) for text in texts), texts  # "Outlet [n]", not a URL
    assert "padding: 6px 4px" in html  # a tap target, not a bare 13px word


# --- link schemes ---------------------------------------------------------------------------------

def test_local_sources_are_links_in_the_page_and_plain_text_in_email(sample):
    digest, config = sample
    page = Markup(render(digest, "html")).links
    email = html_part(digest, config)
    assert any(href.startswith("file:///") for href, _ in page)
    assert not any(href.startswith("file:") for href, _ in Markup(email).links)
    assert '<span class="url"' in email and "valley-courier-bridge.txt" in email


UNSAFE = ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "\x00javascript:alert(1)",
          "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x",
          "jav&#x09;ascript:alert(1)", ""]


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe_urls_never_become_email_links(url):
    assert safe_link(url, EMAIL_LINK_SCHEMES) is None


@given(st.text(alphabet=st.sampled_from(list("jJaAvVsScCrRiIpPtT:/\t\n \x00hfdlemo.&#x09;")), max_size=30))
def test_any_email_link_starts_with_an_allowed_scheme(url):
    href = safe_link(url, EMAIL_LINK_SCHEMES)
    if href is not None:
        # What a browser does: drop leading C0/space, tabs and newlines anywhere, then read the scheme.
        seen = re.sub(r"[\t\n\r]", "", href.lstrip("".join(map(chr, range(33))))).lower()
        assert seen.startswith(("http:", "https:", "mailto:"))


# --- hostile input --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile fixtures plus an article with a 2 MB line, run through the CLI (text, html, eml)."""
    folder = tmp_path_factory.mktemp("hostile")
    for path in HOSTILE.iterdir():
        shutil.copy(path, folder / path.name)
    rng = random.Random(5)
    words = ["bridge", "<script>alert(1)</script>", "onerror=alert(1)", "javascript:alert(1)", "cracks", "reef"]
    line = " ".join(rng.choice(words) for _ in range(200_000))[:2_000_000]
    (folder / "two-megabyte-line.txt").write_text("A very long line\n\n" + line + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile-out")
    argv = ["run", str(folder), "--date", DATE, "--format", "text,html,eml", "--out", str(out)]
    return main(argv), out


def test_hostile_input_still_builds(hostile):
    code, out = hostile
    assert code == 0
    assert {p.suffix for p in out.iterdir()} == {".txt", ".html", ".eml"}


@pytest.mark.parametrize("which", ["page", "email"])
def test_hostile_input_is_never_markup(hostile, which):
    code, out = hostile
    if which == "page":
        html = (out / f"digest-{DATE}.html").read_text(encoding="utf-8")
        allowed = LOCAL_LINK_SCHEMES
    else:
        html = parse((out / f"digest-{DATE}.eml").read_bytes()).get_body(("html",)).get_content()
        allowed = EMAIL_LINK_SCHEMES
    markup = Markup(html)
    assert not [tag for tag, _ in markup.tags if tag in ("script", "iframe", "img", "b", "object", "embed")]
    assert not [(tag, name) for tag, attrs in markup.tags for name in attrs if name.startswith("on")]
    for href, _ in markup.links:
        if which == "page" and re.fullmatch(r"index\.html|digest-\d{4}-\d{2}-\d{2}\.html", href):
            continue  # the page's navigation among the folder's digests (digest.archive)
        assert href.split(":", 1)[0].lower() in allowed, href
    assert not any(href.startswith(("file:///etc", "file:/etc")) for href, _ in markup.links)  # file: from input
    values = [v or "" for _, attrs in markup.tags for v in attrs.values()]
    assert not [v for v in values if re.search(r"(javascript|data|vbscript):|alert\(", v, re.I)]  # in no attribute
    # A Markdown body's inline HTML is rendered to its text (issue 14): no tag, escaped or not, and
    # nothing of a script; the sentence around it is whole.
    assert "alert(&#39;body&#39;)" not in html and "alert('body')" not in html
    assert "inspectors found cracks in two of its steel support beams" in html
    assert "Evil Outlet" in html  # the outlet is shown, as text


def test_hostile_eml_is_well_formed(hostile):
    _, out = hostile
    raw = (out / f"digest-{DATE}.eml").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert b"<script" not in raw.split(b"Content-Type: text/html", 1)[1].lower()


def test_a_user_template_cannot_make_the_email_load_remote_css(sample, tmp_path):
    digest, config = sample
    template = (ROOT / "templates" / "html.html.j2").read_text(encoding="utf-8")
    (tmp_path / "html.html.j2").write_text(
        template.replace("<style>", '<link rel="stylesheet" href="https://evil.example/a.css">'
                                    "<style>@import url(https://evil.example/b.css);", 1), encoding="utf-8")
    html = html_part(digest, config.replace(templates=str(tmp_path)))
    assert "evil.example" not in html
    assert "prefers-color-scheme: dark" in html
