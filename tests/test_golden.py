"""The sample's rendered digest, compared with reviewed golden files.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and review the diff like code.
"""
import os
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_DATE
from digest import build_digest, load_config
from digest.render import render

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"text": "txt", "html": "html", "md": "md", "json": "json"}


@pytest.fixture(scope="module")
def sample_digest():
    return build_digest(load_config(flags={"inputs": [str(SAMPLE)], "date": SAMPLE_DATE}, environ={}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_matches_golden(sample_digest, fmt):
    # file:// URLs of articles without front matter depend on where the checkout lives.
    got = render(sample_digest, fmt).replace(SAMPLE.resolve().as_uri(), "file:///INPUT")
    path = GOLDEN / f"digest-{SAMPLE_DATE}.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")
