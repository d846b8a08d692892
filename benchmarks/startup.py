"""Start-up: `digest run` on the shipped 10-file sample, wall and CPU time, and what the imports cost.

    PYTHONPATH=. python benchmarks/startup.py [--compare OTHER_CHECKOUT] [--runs 20] [--write BENCHMARKS.md]

Each run is a fresh `python -m digest run input/ --out TMP` (state in a temporary
$XDG_STATE_HOME), as a user starts it; with ``--compare`` the other checkout (e.g. an
earlier commit unpacked with ``git archive``) runs alternately with this one, so both see
the same load on a shared machine. Reported: the median wall time, the median CPU time
(user + system, which other work disturbs less) and, from ``python -X importtime``
(median of 3 runs), the cumulative import time of the packages that cost most.
"""
from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCHED = ("digest.pipeline", "digest.dedup", "scipy.sparse", "numpy.f2py", "numpy.testing", "digest.render", "digest.segment", "digest.stories", "nltk", "scipy.stats",
           "scipy.cluster.hierarchy", "numpy",
           "trafilatura", "feedparser", "sumy.utils", "jinja2", "rapidfuzz", "frontmatter", "nltk.pathsec")


def one_run(checkout: Path, tmp: Path, importtime: bool = False) -> tuple[float, float, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    # The template cache is the run's own too: warm after the warm-up rounds, as after a user's first run.
    env = {**os.environ, "PYTHONPATH": str(checkout), "XDG_STATE_HOME": str(tmp / "state"),
           "XDG_CACHE_HOME": str(tmp / "cache")}
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "digest", "run",
               str(checkout / "input"), "--out", str(tmp / "out")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # cwd outside any checkout: `python -m` puts the working folder first on sys.path
    done = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stderr


def import_costs(stderr: str) -> dict[str, float]:
    """Cumulative import milliseconds per module, from ``-X importtime`` output."""
    costs = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            costs.setdefault(name.strip(), int(cumulative) / 1000)
    return costs


def measure(checkouts: dict[str, Path], runs: int) -> dict[str, dict]:
    results = {name: {"wall": [], "cpu": [], "imports": []} for name in checkouts}
    for checkout in checkouts.values():  # as installed: with PYTHONDONTWRITEBYTECODE set, every run compiled digest anew
        compileall.compile_dir(checkout / "digest", quiet=1)
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        for k in range(runs + 2):  # two warm-up rounds
            for name, checkout in checkouts.items():
                wall, cpu, _ = one_run(checkout, Path(tmp) / name)
                if k >= 2:
                    results[name]["wall"].append(wall)
                    results[name]["cpu"].append(cpu)
        for _ in range(3):
            for name, checkout in checkouts.items():
                results[name]["imports"].append(import_costs(one_run(checkout, Path(tmp) / name, True)[2]))
    return results


def report(results: dict[str, dict], command: str) -> str:
    load = os.getloadavg()
    lines = ["## Start-up: `digest run input/` on the 10-file sample", "", f"Command: `{command}`", "",
             f"Each run a fresh process; medians of {len(next(iter(results.values()))['wall'])} runs, checkouts "
             f"alternating; load average (1, 5, 15 min) at the end: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
             "on 2 cores, so wall times carry other work's share; CPU time (user + system) is steadier.", "",
             "| checkout | median wall s | min wall s | median CPU s |", "| --- | --- | --- | --- |"]
    for name, r in results.items():
        lines.append(f"| {name} | {statistics.median(r['wall']):.3f} | {min(r['wall']):.3f} | "
                     f"{statistics.median(r['cpu']):.3f} |")
    lines += ["", "Cumulative import time (`python -X importtime`, median of 3 runs, ms; blank: not imported):", "",
              "| module | " + " | ".join(results) + " |", "| --- " * (1 + len(results)) + "|"]
    for module in WATCHED:
        cells = []
        for r in results.values():
            seen = [costs[module] for costs in r["imports"] if module in costs]
            cells.append(f"{statistics.median(seen):.0f}" if seen else "")
        lines.append(f"| {module} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="another checkout to time alternately with this one")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--write", metavar="FILE")
    args = parser.parse_args()
    checkouts = {"this checkout": ROOT}
    if args.compare:
        checkouts = {f"{args.compare.name}": args.compare.resolve(), "this checkout": ROOT}
    command = "PYTHONPATH=. python benchmarks/startup.py" + (f" --compare {args.compare}" if args.compare else "") \
        + f" --runs {args.runs}" + (" --write BENCHMARKS.md" if args.write else "")
    section = report(measure(checkouts, args.runs), command)
    print(section)
    if args.write:
        from benchmarks.report import write_section

        write_section(Path(args.write), "startup", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
