"""NLTK's Punkt and Snowball modules, loaded without running the ``nltk`` package.

``import nltk.tokenize.punkt`` first executes ``nltk/__init__.py``, which imports most of
NLTK (``nltk.collocations`` pulls ``scipy.stats``; 0.85 s of a 1.1 s start). The two
modules the run needs import only a few of NLTK's own small modules (``pathsec``,
``probability``, ``internals``, ``stem.api``...), so they are loaded here with the
``nltk``, ``nltk.tokenize`` and ``nltk.stem`` packages created but not executed, and
``nltk.corpus`` replaced by a module whose ``stopwords`` is never read (Snowball reads
it only with ``ignore_stopwords=True``), and ``nltk.redos`` by one compiling with the stdlib
``re`` (``_stdlib_redos``). Everything loaded that way is then taken out of
``sys.modules`` again: a later ``import nltk`` (sumy's algorithms) gets the whole,
ordinary package, and nothing it sees was changed. The code run is NLTK's own, unchanged,
so the sentences and stems are NLTK's (tests/test_imports.py checks both against a
normal import). If the light load fails (a future NLTK imports more), the ordinary import
is used.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import re
import sys
import threading
import types
from functools import cache

log = logging.getLogger("digest")

# Packages whose __init__ is what costs; their submodules are found through __path__.
_BARE_PACKAGES = ("nltk", "nltk.tokenize", "nltk.stem")
_lock = threading.Lock()


def _bare(name: str) -> types.ModuleType:
    """The package ``name`` as a module object that has its ``__path__`` but has not run."""
    parent, _, _ = name.rpartition(".")
    if parent:
        spec = importlib.machinery.PathFinder.find_spec(name, sys.modules[parent].__path__)
    else:
        spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package")
    return importlib.util.module_from_spec(spec)


def _load(*names: str) -> tuple[types.ModuleType, ...]:
    """Modules ``names`` of NLTK, executed without the nltk package's ``__init__``."""
    with _lock:
        if "nltk" not in sys.modules:  # imported whole already (sumy): nothing to save
            before = set(sys.modules)
            try:
                for package in _BARE_PACKAGES:
                    sys.modules[package] = _bare(package)
                corpus = sys.modules["nltk.corpus"] = types.ModuleType("nltk.corpus")
                corpus.stopwords = None  # type: ignore[attr-defined]
                sys.modules["nltk.redos"] = _stdlib_redos()
                return tuple(importlib.import_module(name) for name in names)
            except Exception as error:  # noqa: BLE001 - any failure falls back to the ordinary import
                log.debug("light load of %s failed (%s); importing nltk whole", names, error)
            finally:
                for key in set(sys.modules) - before:
                    if key == "nltk" or key.startswith("nltk."):
                        del sys.modules[key]
        return tuple(importlib.import_module(name) for name in names)


def _stdlib_redos() -> types.ModuleType:
    """``nltk.redos`` with the stdlib ``re`` engine: what Punkt and Snowball compiled with up to NLTK 3.9.

    NLTK 3.10 compiles every pattern of the library with the ``regex`` engine and runs each
    match under a 5 s timeout, a backstop for patterns a caller supplies. Punkt's and
    Snowball's are NLTK's own fixed patterns, the ones ``re`` ran before, and ``segment``
    hands Punkt at most ``PUNKT_CHARS`` at a time; under ``regex`` Punkt took 1.9 times as long
    for the same sentences (25,085 Multi-News paragraphs: 2.91 s against 1.53 s), and importing
    ``regex`` was 15-50 ms of the start (idle to busy machine).
    """
    module = types.ModuleType("nltk.redos")
    module.compile = lambda pattern, flags=0, timeout=None: re.compile(getattr(pattern, "pattern", pattern), flags)
    for name in ("match", "search", "sub", "subn", "split", "findall", "finditer", "fullmatch", "escape"):
        setattr(module, name, getattr(re, name))
    module.error, module.TimedPattern, module.DEFAULT_TIMEOUT = re.error, re.Pattern, None
    return module


@cache
def _modules() -> tuple[types.ModuleType, ...]:
    # Both in one load: they share NLTK's small modules, and every run needs both.
    return _load("nltk.tokenize.punkt", "nltk.stem.snowball")


def punkt() -> types.ModuleType:
    """``nltk.tokenize.punkt``."""
    return _modules()[0]


def snowball() -> types.ModuleType:
    """``nltk.stem.snowball``."""
    return _modules()[1]
