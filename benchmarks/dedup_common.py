"""Helpers shared by the dedup benchmarks: finding ../shared/eval and writing BENCHMARKS.md."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- dedup:start -->", "<!-- dedup:end -->"


def default_eval_path(name: str) -> Path:
    """``../shared/eval/NAME`` beside the project, else beside one of its parent folders."""
    for folder in [ROOT, *ROOT.parents]:
        candidate = folder.parent / "shared" / "eval" / name
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "eval" / name


def write_section(path: Path, part: str, text: str) -> None:
    """Replace this benchmark's part inside the dedup markers of BENCHMARKS.md.

    The dedup section holds one part per benchmark (``<!-- dedup-PART -->`` ...), so each
    script rewrites its own part and keeps the other's; text outside the markers is kept.
    """
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START not in doc:
        doc = doc.rstrip("\n") + f"\n\n{START}\n## Deduplication\n{END}\n"
    head, rest = doc.split(START, 1)
    body, tail = rest.split(END, 1)
    open_tag, close_tag = f"<!-- dedup-{part} -->", f"<!-- /dedup-{part} -->"
    block = f"{open_tag}\n{text.strip()}\n{close_tag}"
    pattern = re.compile(re.escape(open_tag) + r".*?" + re.escape(close_tag), re.S)
    if pattern.search(body):
        body = pattern.sub(lambda _: block, body)
    else:
        body = body.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(head + START + body + END + tail, encoding="utf-8")
