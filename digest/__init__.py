"""digest: one short, sourced newsletter from a day's articles by many outlets."""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .config import Config, load_config
from .errors import DigestError
from .models import Article, Digest, Fact, Item, Section, Sentence

# The pipeline imports NLTK, most of a second: loaded on first use, so `digest --help`
# and `digest config` start at once.
_LAZY = {"build": "pipeline", "build_digest": "pipeline", "run": "pipeline", "write_outputs": "output"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Article", "Config", "Digest", "DigestError", "Fact", "Item", "Section", "Sentence",
    "build", "build_digest", "load_config", "run", "write_outputs",
]
