"""The email's HTML in a real browser: headless Chromium at 600px, no horizontal overflow, links present.

Screenshots for a reviewer: out/email-preview.png (light) and out/email-preview-dark.png.
"""
from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from digest import load_config
from digest.email import message_bytes
from digest.pipeline import build

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
WIDTH = 600
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium; .ci/run does it)")

# Appended to a copy of the page: measures layout after load and writes it into the DOM as JSON.
PROBE = """<script>
addEventListener("load", () => {
  const root = document.documentElement;
  let right = 0, widest = "";
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > right) { right = r.right; widest = el.tagName + "." + el.className; }
  }
  const links = [...document.querySelectorAll("a[href]")].map(a => {
    const r = a.getBoundingClientRect();
    return {href: a.getAttribute("href"), text: a.textContent, width: r.width, height: r.height, right: r.right};
  });
  const out = document.createElement("pre");
  out.id = "probe";
  out.style.display = "none";
  out.textContent = JSON.stringify({scrollWidth: root.scrollWidth, innerWidth: innerWidth,
                                    height: root.scrollHeight, right, widest, links});
  document.body.appendChild(out);
});
</script>"""


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def email_html(inputs: list[Path]) -> str:
    config = load_config(flags={"inputs": [str(p) for p in inputs], "date": "2026-11-20",
                                "email": {"from": "digest@news.example", "to": ["reader@example.org"],
                                          "unsubscribe_url": "https://news.example/unsubscribe"}},
                         environ={})
    raw = message_bytes(build(config).digest, config)
    return BytesParser(policy=policy.default).parsebytes(raw).get_body(("html",)).get_content()


def measure(tmp_path: Path, html: str) -> dict:
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, f"--window-size={WIDTH},1000", "--virtual-time-budget=5000", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="probe"[^>]*>(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run"
    return json.loads(htmllib.unescape(found.group(1)))


def assert_fits(layout: dict) -> None:
    assert layout["innerWidth"] == WIDTH, "the browser window is not 600px wide: the check would mean nothing"
    assert layout["scrollWidth"] <= WIDTH, f"scrolls sideways: {layout['scrollWidth']}px (widest {layout['widest']})"
    assert layout["right"] <= WIDTH + 0.5, f"{layout['widest']} ends at {layout['right']:.0f}px"


@pytest.fixture(scope="module")
def sample_html() -> str:
    return email_html([ROOT / "input"])


def test_sample_email_fits_600px_with_tappable_source_links(sample_html, tmp_path):
    layout = measure(tmp_path, sample_html)
    assert_fits(layout)
    sources = [link for link in layout["links"] if re.fullmatch(r".+\xa0\[\d+\]", link["text"])]
    assert len(sources) >= 20
    assert {s["text"].split("\xa0")[0] for s in sources} >= {"Harbour Gazette", "Northern Wire", "Coastline Daily"}
    assert all(s["href"].startswith("https://") for s in sources)
    assert min(s["height"] for s in sources) >= 28  # padded: a finger can hit it
    assert any(link["text"] == "Unsubscribe" for link in layout["links"])


def test_screenshots_for_review(sample_html, tmp_path):
    height = measure(tmp_path, sample_html)["height"]
    page = tmp_path / "email.html"
    page.write_text(sample_html, encoding="utf-8")
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    for name, extra in (("email-preview.png", []), ("email-preview-dark.png", ["--force-dark-mode"])):
        shot = out / name
        shot.unlink(missing_ok=True)
        chromium(tmp_path, f"--window-size={WIDTH},{height}", f"--screenshot={shot}", *extra, page.as_uri())
        assert shot.stat().st_size > 10_000, f"{shot} looks empty"


def test_hostile_and_unbreakable_text_still_fits(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(HOSTILE, folder)
    (folder / "long-words.md").write_text(
        "---\ntitle: " + "Unbreakable" * 40 + "\nurl: https://example.org/" + "x" * 400 + "\noutlet: "
        + "AnOutletNameThatGoesOnAndOn" * 4 + "\n---\n"
        "The Avalen Harbour Bridge was closed to all traffic on Thursday after inspectors found "
        + "cracks" * 120 + " in two of its steel support beams.\n",
        encoding="utf-8",
    )
    layout = measure(tmp_path, email_html([folder]))
    assert_fits(layout)
    assert not [link for link in layout["links"] if not link["href"].startswith(("https:", "http:", "mailto:"))]
