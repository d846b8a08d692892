"""Fragments benchmark: how many digest items are not whole sentences, and how many titles are not titles.

    PYTHONPATH=. python benchmarks/fragments.py ../shared/eval/multinews.jsonl [--fixtures tests/fixtures/real] [--write BENCHMARKS.md] [--show]

Days measured, each built by ``pipeline.build`` and read back through the JSON contract:

1. the Multi-News day: every cluster's documents as .txt files in one folder (as
   benchmarks/stories.py builds it: no front matter, hashed file names), default settings;
2. the same day with ``--max-words 5000`` (ten times the items, so rarer faults show);
3. each Multi-News cluster as a day of its own (its documents alone in a folder), default
   settings: about 300 small digests;
4. every folder of the project's own fixture set (``tests/fixtures/real``: written for
   the project, one folder per cause of issue 14), default settings.

A **fragment item** is an item whose text (``sections[].items[].text``) has any of:

- ``starts-lower``: its first letter (after opening quotes and brackets) is lower-case, or
  it starts with a continuation: ``,`` ``;`` ``:`` ``)`` ``]`` ``…`` ``-`` ``–`` ``—`` or ``...``;
- ``no-end``: it does not end with ``.`` ``!`` or ``?`` (closing quotes and brackets
  after them allowed), or it ends with ``…`` / ``...`` (a cut);
- ``abbrev-end``: it ends with a title or abbreviation that never ends a sentence
  (``Mr.`` ``Dr.`` ``Sen.`` ``Gov.`` ``No.`` ``St.`` ...: the split fell inside one);
- ``quotes``: unbalanced quotes: curly ``“`` and ``”`` counts differ, or the number of
  straight ``"`` is odd, or PTB quotes (`` `` `` or ``''``) remain;
- ``brackets``: ``(``/``)`` or ``[``/``]`` counts differ;
- ``marker``: a list marker or wire furniture left in: a leading ``_`` ``*`` ``•`` or
  ``-`` marker, a wire dateline (``CITY (AP) -``, ``CITY, Country (Reuters) —``), an
  editors' note (``(Eds:``, ``Editor's note``, ``2nd graf``, ``pvs``, ``UPDATES with``).

A **bad headline** is a section title (``sections[].title``, "In brief" aside) that is cut
(ends with ``…`` or ``...``), starts with a wire dateline, or is decorated (``//``, ``==``,
a run of 3+ ``*`` ``#`` ``~`` ``_`` ``=`` ``-``, or ends with ``..``). A **bad source title** is an
article title (``sections[].articles[].title``) that is a dateline (``Today : <date>``,
``Updated Nov 20, 2026``, a weekday and a year), decorated, a hash (8+ hex digits, or the
file's own name), or empty. A title that is an article's lead cut short (``… ``: made up
for an article with no headline and no readable file name) is counted apart, as "clipped".

A **furniture item** holds, anywhere in it, an e-mail address, "send us/it/your", a question
about tips, "subscribe", "newsletter", "follow us", "click here", "sign up", or ends (or starts)
with a slogan's slash or bar: a tip line, call to action or slogan that reached the digest.

The share of fragment items is the target (0 on the fixtures); the rest are diagnostics.
With ``--write`` the results replace the part of that file between ``<!-- fragments:start -->``
and ``<!-- fragments:end -->``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


_OPENERS = "\"'“‘«([{`*_ "
_CLOSERS = "\"'”’»)]} "
_CONTINUATION = re.compile(r"^(?:[,;:)\]…\-–—]|\.\.\.)")
_END = re.compile(r"[.!?][\"'”’»)\]]*$")
_CUT = re.compile(r"(?:…|\.\.\.)[\"'”’»)\]]*$")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt sgt capt cmdr adm prof no vs rev fr maj pres supt insp det".split()
)
_LAST_WORD = re.compile(r"(\w+)\.[\"'”’»)\]]*$")
_WIRE_DATELINE = re.compile(
    r"^[\"“]?[A-Z][A-Z.'’/-]+(?:[ ,]+[A-Z][A-Za-z.'’/-]+){0,5}\s*(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?"
    r"(?:\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg|dpa|[A-Z][A-Za-z ]{1,30})\)\s*)[-–—_]+\s"
    r"|^[A-Z][A-Z.'’/-]{2,}(?:\s+[A-Z][A-Z.'’/-]+){0,3}(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+)?)?\s*(?:[-–—]{1,2}|_)\s"
)
_EDITORS = re.compile(
    r"(?i:\((?:Eds?|Editors?)[.:]|\beditor'?s'? note\b|\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth|last)\s+(?:graf|grafs|para|paragraph)\b|\bpvs\b)|\bUPDATES with\b|"
    r"\bRECASTS\b|\bCORRECTS\b|\bADDS\b.{0,30}\bgraf|\bSUBS\b|\bWITH PHOTOS?\b"
)
_LIST_MARKER = re.compile(r"^(?:[_*•·▪‣]|-(?!\d))\s")
_DATELINE_TITLE = re.compile(
    r"^(?:today|updated|published|posted|last updated|date)\b.{0,40}\d|"
    r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b.{0,30}\d{4}|"
    r"^\W*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\W*$",
    re.IGNORECASE,
)
_HASH = re.compile(r"\b[0-9a-f]{8,}\b", re.IGNORECASE)


def fragment_faults(text: str) -> list[str]:
    """The ways ``text`` is not one whole sentence (empty: it is one); see the module docstring."""
    faults = []
    body = text.strip()
    first = body.lstrip(_OPENERS)
    letter = next((ch for ch in first if ch.isalpha()), "")
    if _CONTINUATION.match(body) or (first[:1].isalpha() and first[:1].islower()) or (
        not first[:1].isalnum() and letter.islower() and not _CONTINUATION.match(first)
        and first[:1] not in "$£€¥#%"
    ):
        faults.append("starts-lower")
    if not _END.search(body) or _CUT.search(body):
        faults.append("no-end")
    last = _LAST_WORD.search(body)
    if last and last.group(1).lower() in _ABBREVIATIONS:
        faults.append("abbrev-end")
    straight = body.count('"')
    if body.count("“") != body.count("”") or straight % 2 or "``" in body or "''" in body:
        faults.append("quotes")
    if body.count("(") != body.count(")") or body.count("[") != body.count("]"):
        faults.append("brackets")
    if _LIST_MARKER.match(body) or _WIRE_DATELINE.match(body) or _EDITORS.search(body):
        faults.append("marker")
    return faults


# Furniture an item must never be, looked for anywhere in it (independently of digest's own patterns).
_FURNITURE = re.compile(
    r"[\w.+-]+@[\w-]+\.[a-z]{2,}|\b(?:send|email|e-mail) (?:us|it|your|them)\b|\b(?:news )?tips?\b.{0,30}\?|"
    r"\bsubscribe\b|\bnewsletter\b|\bfollow us\b|\bclick here\b|\bsign up\b|\s[/|]\s*$|^\s*[/|]",
    re.IGNORECASE,
)


def furniture_faults(text: str) -> list[str]:
    """``["furniture"]`` when an item holds a tip line, contact address, call to action or slogan mark."""
    return ["furniture"] if _FURNITURE.search(text) else []


def headline_faults(title: str) -> list[str]:
    faults = []
    if _CUT.search(title.strip()):
        faults.append("cut")
    if _WIRE_DATELINE.match(title):
        faults.append("dateline")
    if re.search(r"//|==|([*#~_=-])\1{2,}|\.\.$", title) or re.match(r"^[^\w\"“‘'(]", title):
        faults.append("decorated")
    return faults


def source_title_faults(title: str, path: str) -> list[str]:
    faults = []
    stripped = title.strip()
    if not stripped:
        return ["empty"]
    if _DATELINE_TITLE.search(stripped):
        faults.append("dateline")
    if re.search(r"//|==|([*#~_=-])\1{2,}|\.\.$", stripped) or re.match(r"^[^\w\"“‘'(]", stripped):
        faults.append("decorated")
    if _HASH.search(stripped) or (path and stripped in (Path(path).stem, Path(path).name)):
        faults.append("hash")
    return faults


# --------------------------------------------------------------------------- days


def make_day(jsonl: Path, folder: Path, clusters: list[dict] | None = None) -> None:
    """Every document of every cluster as ``<hash>.txt`` in ``folder`` (benchmarks/stories.py's day)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from stories import make_day as stories_day

    stories_day(jsonl, folder)


def build_json(folder: Path, **flags) -> dict:
    """The JSON contract of the digest of ``folder`` (no state; fixed date; the folder's own
    digest.toml when it has one)."""
    from digest import pipeline
    from digest.config import load_config
    from digest.render import contract

    own = folder / "digest.toml"
    config = load_config(own if own.is_file() else None, flags={"inputs": [str(folder)], "date": "2026-11-20",
                                                                  **flags}, environ={})
    return contract(pipeline.build(config).digest)


def measure(document: dict, day: str) -> dict:
    """Every item, headline and source title of one digest, with its faults."""
    items, headlines, titles = [], [], []
    seen_sources = set()
    for section in document["sections"]:
        if section["title"] != "In brief":
            headlines.append({"day": day, "text": section["title"], "faults": headline_faults(section["title"])})
        for item in section["items"]:
            items.append({"day": day, "text": item["text"], "faults": fragment_faults(item["text"]),
                          "furniture": furniture_faults(item["text"])})
            for source in item["sources"] + item["partial_sources"]:
                if source["url"] in seen_sources:
                    continue
                seen_sources.add(source["url"])
                path = source["url"].removeprefix("file://")
                titles.append({"day": day, "text": source["title"], "faults": source_title_faults(source["title"], path)})
    return {"items": items, "headlines": headlines, "titles": titles}


def merge(results: list[dict]) -> dict:
    return {key: [row for r in results for row in r[key]] for key in ("items", "headlines", "titles")}


def run_multinews(jsonl: Path) -> dict[str, dict]:
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "day"
        folder.mkdir()
        make_day(jsonl, folder)
        started = time.perf_counter()
        found["Multi-News day (837 files), default budget"] = measure(build_json(folder), "day")
        found["Multi-News day, --max-words 5000"] = measure(build_json(folder, max_words=5000), "day-5000")
        print(f"day: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        per_cluster = []
        with jsonl.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                one = Path(tmp) / f"cluster-{row['id']}"
                one.mkdir()
                for k, doc in enumerate(row["docs"]):
                    (one / f"{k:02d}.txt").write_text(doc, encoding="utf-8")
                try:
                    per_cluster.append(measure(build_json(one), f"cluster {row['id']}"))
                except Exception as exc:  # noqa: BLE001 -- a cluster with no readable article
                    print(f"cluster {row['id']}: {type(exc).__name__}: {exc}", file=sys.stderr)
        found[f"each Multi-News cluster as its own day ({len(per_cluster)} days)"] = merge(per_cluster)
    return found


def run_fixtures(root: Path) -> dict[str, dict]:
    days = sorted(p for p in root.iterdir() if p.is_dir())
    shown = root.resolve().relative_to(Path.cwd()) if root.resolve().is_relative_to(Path.cwd()) else root
    return {f"fixtures ({shown}, {len(days)} folders)": merge([measure(build_json(p), p.name) for p in days])}


# --------------------------------------------------------------------------- report


def share(rows: list[dict]) -> str:
    bad = sum(1 for r in rows if r["faults"])
    return f"{bad} / {len(rows)} ({100 * bad / len(rows):.1f}%)" if rows else "0 / 0"


def report(found: dict[str, dict], command: str) -> str:
    lines = [
        "## Fragments: digest items that are not whole sentences (issue 14)",
        "",
        f"Command: `{command}`",
        "",
        "Definitions are in the script's docstring: a fragment item starts lower-case or with a "
        "continuation, has no sentence ending (or ends cut), ends on an abbreviation, has unbalanced "
        "quotes or brackets, or keeps a list marker, wire dateline or editors' note; a furniture item holds a "
        "tip line, contact address, call to action or slogan mark.",
        "",
        "| day | fragment items | furniture items | bad headlines | bad source titles | clipped source titles | faults seen |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, result in found.items():
        faults = Counter(f"{kind[:-1]} {f}" for kind in ("items", "headlines", "titles") for r in result[kind]
                         for f in r["faults"])
        seen = ", ".join(f"{k} {v}" for k, v in faults.most_common()) or "none"
        clipped = sum(1 for r in result["titles"] if _CUT.search(r["text"].strip()))
        furniture = [{"faults": r["furniture"]} for r in result["items"]]
        lines.append(f"| {label} | {share(result['items'])} | {share(furniture)} | {share(result['headlines'])} | "
                     f"{share(result['titles'])} | {clipped} / {len(result['titles'])} | {seen} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("multinews", nargs="?", help="multinews.jsonl (../shared/eval/multinews.jsonl)")
    parser.add_argument("--fixtures", default=str(Path(__file__).parent.parent / "tests" / "fixtures" / "real"))
    parser.add_argument("--write", help="replace the fragments section of this Markdown file")
    parser.add_argument("--show", action="store_true", help="print every faulty item, headline and title")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)  # a cluster's unreadable scrape warns; the figures say enough
    found = {}
    if args.multinews:
        found.update(run_multinews(Path(args.multinews)))
    if Path(args.fixtures).is_dir():
        found.update(run_fixtures(Path(args.fixtures)))
    command = "PYTHONPATH=. python benchmarks/fragments.py" + (f" {args.multinews}" if args.multinews else "")
    text = report(found, command)
    if args.show:
        for label, result in found.items():
            for kind in ("items", "headlines", "titles"):
                for row in result[kind]:
                    if row["faults"] or row.get("furniture"):
                        print(f"{kind[:-1]} [{row['day']}] {','.join(row['faults'] + row.get('furniture', []))}: {row['text']}")
    print(text)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "fragments", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
