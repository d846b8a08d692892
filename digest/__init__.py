"""digest: one short, sourced newsletter from a day's articles by many outlets."""
from __future__ import annotations

__version__ = "0.1.0"

from .config import Config, load_config
from .errors import DigestError
from .models import Article, Digest, Fact, Item, Section, Sentence
from .output import write_outputs
from .pipeline import build, build_digest, run

__all__ = [
    "Article", "Config", "Digest", "DigestError", "Fact", "Item", "Section", "Sentence",
    "build", "build_digest", "load_config", "run", "write_outputs",
]
