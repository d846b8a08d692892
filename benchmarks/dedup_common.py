"""Helpers shared by the dedup benchmarks: finding ../shared/eval and writing BENCHMARKS.md."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- dedup:start -->", "<!-- dedup:end -->"
PARTS = ("msrp", "scale", "embed", "pairs")
HEADER = """## Deduplication

Regenerate this section (its four parts) from the project root:

    PYTHONPATH=. python benchmarks/dedup_msrp.py --refit
    PYTHONPATH=. python benchmarks/dedup_scale.py
    PYTHONPATH=. python benchmarks/embed_speed.py
    PYTHONPATH=. python benchmarks/embed_pairs.py

Data paths default to ../shared/eval/ (see each script's --help). Every figure below is
written by those scripts as measured; none is typed in by hand.
"""


def default_eval_path(name: str) -> Path:
    """``../shared/eval/NAME`` beside the project, else beside one of its parent folders."""
    for folder in [ROOT, *ROOT.parents]:
        candidate = folder.parent / "shared" / "eval" / name
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "eval" / name


def write_section(path: Path, part: str, text: str) -> None:
    """Replace one benchmark's part of the dedup section of BENCHMARKS.md.

    The section between the dedup markers is rebuilt as the header and the parts in a
    fixed order, keeping the parts of the other benchmark; text outside the markers
    (other teams' sections) is left as it is.
    """
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START not in doc:
        doc = doc.rstrip("\n") + f"\n\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    body, tail = rest.split(END, 1)
    parts = {
        name: match.group(1).strip()
        for name in PARTS
        if (match := re.search(rf"<!-- dedup-{name} -->(.*?)<!-- /dedup-{name} -->", body, re.S))
    }
    parts[part] = text.strip()
    blocks = [f"<!-- dedup-{name} -->\n{parts[name]}\n<!-- /dedup-{name} -->" for name in PARTS if name in parts]
    section = HEADER + "\n" + "\n\n".join(blocks) + "\n"
    path.write_text(head + START + "\n" + section + END + tail, encoding="utf-8")
