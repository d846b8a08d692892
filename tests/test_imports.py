"""Start-up: a run imports only what it uses, and NLTK's Punkt and Snowball loaded without
the nltk package behave exactly as the ordinary import's.

Each case runs in a fresh interpreter: what a module import costs shows only there.
"""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE, SAMPLE_DATE

READERS = ROOT / "tests" / "fixtures" / "readers"

# Heavy packages a plain run over text files with the default ranker never needs.
NOT_FOR_TEXT = ("trafilatura", "feedparser", "sumy.summarizers", "sumy.nlp", "sumy.utils", "scipy.stats",
                "nltk", "nltk.collocations", "safetensors")


def modules_after(code: str) -> set[str]:
    """The modules loaded once ``code`` has run in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "XDG_STATE_HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def run_code(inputs, out, *flags: str) -> str:
    args = ["run", *map(str, inputs), "--out", str(out), "--no-state", "--date", SAMPLE_DATE, *flags]
    return f"from digest.cli import main\nassert main({args!r}) == 0"


def test_plain_run_imports_no_reader_ranker_or_nltk_package_it_does_not_use(tmp_path):
    loaded = modules_after(run_code([SAMPLE], tmp_path))
    assert "digest.pipeline" in loaded and "nltk.tokenize.punkt" not in loaded  # the light load leaves no trace
    assert not any(m == "punkt" or m.startswith("punkt.") for m in loaded)  # its parameters are read by path
    assert sorted(loaded & set(NOT_FOR_TEXT)) == []
    assert "numpy.ma.core" not in loaded  # registered lazy (digest.matrix), and np.unique would load it
    assert (tmp_path / f"digest-{SAMPLE_DATE}.json").exists()




def test_a_run_freezes_the_objects_its_imports_made_and_collects_again_after(tmp_path):
    # Collecting while start-up imports walks their long-lived objects over and over (cli._startup).
    check = "import gc\nassert gc.isenabled() and gc.get_freeze_count() > 10_000, gc.get_freeze_count()"
    modules_after(f"{run_code([SAMPLE], tmp_path)}\n{check}")


@pytest.mark.parametrize("given, expected", [(None, "4"), ("20", "20")])
def test_a_run_has_openblas_idle_threads_sleep_at_once_unless_told_otherwise(tmp_path, given, expected):
    # Set before numpy loads (cli._startup): OpenBLAS reads it once, as it starts its threads.
    told = "" if given is None else f"import os\nos.environ['OPENBLAS_THREAD_TIMEOUT'] = {given!r}\n"
    check = f"import os\nassert os.environ['OPENBLAS_THREAD_TIMEOUT'] == {expected!r}"
    modules_after(f"{told}{run_code([SAMPLE], tmp_path)}\n{check}")

def test_numpy_tools_scipy_would_import_are_loaded_only_when_used():
    # scipy.sparse reads every numpy attribute; the run uses none of these modules.
    unused = ("numpy.f2py.crackfortran", "numpy.testing._private.utils", "numpy.ma.core", "numpy.polynomial.polynomial",
              "numpy._core.defchararray", "numpy.ctypeslib._ctypeslib")
    code = "import digest.pipeline, scipy.sparse"
    assert sorted(modules_after(code) & set(unused)) == []
    assert "numpy.testing._private.utils" in modules_after(
        f"{code}\nimport numpy\nnumpy.testing.assert_array_equal(numpy.arange(3), [0, 1, 2])")


@pytest.mark.parametrize(
    "fixture, flags, needed",
    [
        ("harbour-bridge.html", (), "trafilatura"),
        ("courier-full.rss", (), "feedparser"),
        (None, ("--algorithm", "lexrank"), "sumy.summarizers.lex_rank"),
    ],
)
def test_a_reader_or_algorithm_is_imported_when_the_run_uses_it(tmp_path, fixture, flags, needed):
    inputs = [SAMPLE]
    if fixture:
        folder = tmp_path / "in"
        folder.mkdir()
        shutil.copy(READERS / fixture, folder / fixture)
        inputs = [folder]
    assert needed in modules_after(run_code(inputs, tmp_path / "out", *flags))


def test_light_punkt_and_snowball_match_the_ordinary_nltk_import():
    """Same sentences and stems as ``import nltk`` gives, and nltk imports whole afterwards."""
    code = f"""
import json, pathlib
from digest.segment import punkt_tokenizer, paragraphs
from digest.analysis import stemmer
texts = [p for f in sorted(pathlib.Path({str(SAMPLE)!r}).glob("*.*")) for p in paragraphs(f.read_text())]
texts += ["Dr. Smith paid $3.5 million to the U.S. Navy at 5 p.m. on Jan. 4. He left.",
          "“Will it hold?” she asked. . . . Nobody knew... The end."]
light = [punkt_tokenizer("english").tokenize(t) for t in texts]
words = sorted({{w.lower() for t in texts for w in t.split()}})
light_stems = [stemmer("english")(w) for w in words]
import nltk  # the whole package, as sumy imports it
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktSentenceTokenizer
ordinary = PunktSentenceTokenizer(punkt_tokenizer("english")._params)
assert type(ordinary) is not type(punkt_tokenizer("english"))  # two loads, not one shared module
assert nltk.tokenize.punkt.PunktSentenceTokenizer is PunktSentenceTokenizer and nltk.word_tokenize
assert [ordinary.tokenize(t) for t in texts] == light, "sentences differ"
assert [SnowballStemmer("english").stem(w) for w in words] == light_stems, "stems differ"
assert len(light) > 20 and len(words) > 300
"""
    modules_after(code)
