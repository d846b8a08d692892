"""The command line: a thin layer that builds a Config, calls the library, maps errors to exit codes."""
from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from . import __version__
from .config import Config, as_toml_dict, load_config
from .errors import EX_USAGE, DigestError, OutputError, UsageError
from .files import writing
from .render import FORMATS
from .sanitise import printable

log = logging.getLogger("digest")
EX_SOFTWARE = 70
# Test hook, read here and never by the library: DIGEST_TEST_PAUSE_AT=<point> makes a run
# announce the point on stderr and sleep there an hour (<point>:SECONDS: that long, then
# go on), so tests can kill -9 it at a known moment or hold the lock. The points are
# pipeline.CHECKPOINTS. It is not a configuration key.
PAUSE_ENV = "DIGEST_TEST_PAUSE_AT"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 64 (EX_USAGE)."""

    def _print_message(self, message: str, file=None) -> None:  # type: ignore[no-untyped-def]
        """argparse drops a failed write; --help and --version to a full stdout are exit 73."""
        if message and file is sys.stdout and file is not None:
            with writing(STDOUT):
                file.write(message)
                file.flush()
        else:
            super()._print_message(message, file)

    def error(self, message: str) -> None:  # type: ignore[override]
        command = " ".join(["digest", *self.prog.split()[1:]])  # "digest" or "digest run"
        self.exit(EX_USAGE, f"digest: error: {message} (see {command} --help)\n")


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"unknown format {','.join(unknown) or value!r}; choose from {','.join(FORMATS)}")
    return formats


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {n}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="digest", description="One short, sourced newsletter from a day's articles.")
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="config file (default ./digest.toml, then $XDG_CONFIG_HOME/digest/digest.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="say what was done")
    common.add_argument("-q", "--quiet", action="store_true", help="errors only, no warnings")

    run = commands.add_parser("run", parents=[common], help="build the digest from folders or files of articles")
    run.add_argument("inputs", nargs="*", metavar="PATH", help="folders or files of articles (default: the config's inputs)")
    run.add_argument("--format", dest="formats", type=_formats, metavar="LIST", help=f"comma-separated, from {','.join(FORMATS)} (default text,html,json)")
    run.add_argument("--out", metavar="DIR", help="output folder (default out/), or - to print one format")
    run.add_argument("--templates", metavar="DIR", help="folder of templates that override the packaged ones")
    run.add_argument("--date", metavar="YYYY-MM-DD", help="the digest's date (default today)")
    run.add_argument("--max-words", dest="max_words", type=_positive, metavar="N", help="word budget (default 450, about two minutes)")
    run.add_argument("--sentences", type=_positive, metavar="N", help="at most N sentences")
    run.add_argument("--algorithm", metavar="NAME", help="ranking algorithm: digest (default) or sumy's lexrank, textrank, lsa, luhn, kl, sumbasic, reduction")
    run.add_argument("--threshold", dest="dedup_threshold", type=float, metavar="SCORE", help="near-duplicate threshold")
    run.add_argument("--jobs", type=_positive, metavar="N", help="read, split and clean articles and rank stories in N processes (default 1)")
    run.add_argument("--explain", metavar="FILE", help="write every drop, merge, conflict and ranking decision as JSON")
    run.add_argument("--send", action="store_true", help="also write the .eml and deliver it over SMTP (config [email], [smtp])")
    run.add_argument("--force", action="store_true", help="with --send: send even if this date's digest was already sent")
    run.add_argument("--state", metavar="FILE", help="memory of what earlier digests published (default $XDG_STATE_HOME/digest/state.sqlite)")
    run.add_argument("--no-state", dest="no_state", action="store_true", help="no memory: do not leave out facts published on earlier dates")
    run.add_argument("--since", metavar="WHEN", help="only articles published in the last 24h, 7d, 90m..., or since YYYY-MM-DD (00:00 UTC)")
    run.add_argument("--lock-timeout", dest="lock_timeout", type=float, metavar="SECONDS", help="wait this long for an overlapping run, then exit 75 (default 60)")
    run.add_argument("--fetch", action="store_const", const=True, help="read online sources: urls.txt lists, and full pages for feed entries with only a summary")

    send = commands.add_parser("send", parents=[common], help="deliver a written .eml over SMTP (config [email], [smtp])")
    send.add_argument("eml", metavar="FILE.eml", help="the message written by digest run --format eml")
    send.add_argument("--force", action="store_true", help="send even if it was already sent")

    feeds = commands.add_parser("feeds", help="subscriptions: import or export OPML, list them with their state")
    which = feeds.add_subparsers(dest="feeds_command", required=True, parser_class=_Parser)
    opml_in = which.add_parser("import", parents=[common], help="add the feeds of an OPML file to the subscriptions")
    opml_in.add_argument("opml", metavar="FILE.opml")
    which.add_parser("export", parents=[common], help="print every subscription as OPML")
    listed = which.add_parser("list", parents=[common], help="every subscription, when it last worked, failures, next try")
    listed.add_argument("--json", action="store_true", help="as JSON")

    config = commands.add_parser("config", parents=[common], help="print the effective configuration")
    config.add_argument("--json", action="store_true", help="as JSON")
    return parser


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"digest: {record.levelname.lower()}: {printable(record.getMessage())}"


def _configure_logging(args: argparse.Namespace) -> None:
    # Started with stderr closed: warnings have nowhere to go (and must not go to stdout).
    handler = logging.StreamHandler(sys.stderr) if sys.stderr is not None else logging.NullHandler()
    handler.setFormatter(_OneLine())
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING)


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    names = ("inputs", "formats", "out", "templates", "date", "max_words", "sentences", "algorithm",
             "dedup_threshold", "explain", "jobs", "fetch", "since", "lock_timeout")
    # --send and --force act on this run only: they are not configuration.
    flags = {name: getattr(args, name, None) for name in names}
    if not flags["inputs"]:
        flags["inputs"] = None
    flags["state"] = {"path": getattr(args, "state", None),
                      "enabled": False if getattr(args, "no_state", False) else None}
    return flags


def _progress(args: argparse.Namespace):
    """A stage progress bar on stderr, only for a terminal, only without -q, only if the
    run lasts (tqdm's delay): cron logs stay clean."""
    if args.quiet or sys.stderr is None or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    from .pipeline import STAGES

    bar = tqdm(total=len(STAGES), desc="digest", unit="stage", delay=1.0, leave=False, file=sys.stderr)

    def done(stage: str) -> None:
        bar.set_postfix_str(stage, refresh=False)
        bar.update(1)

    return done, bar


def _test_pause() -> Callable[[str], None] | None:
    """The checkpoint callback PAUSE_ENV asks for, or None."""
    wanted, _, seconds = os.environ.get(PAUSE_ENV, "").partition(":")
    if not wanted:
        return None

    def pause(point: str) -> None:
        if point == wanted:
            print(f"digest: test pause at {point}", file=sys.stderr, flush=True)
            time.sleep(float(seconds) if seconds else 3600)

    return pause


def _load(args: argparse.Namespace, flags: dict[str, Any] | None = None) -> Config:
    environ = {k: v for k, v in os.environ.items() if k != PAUSE_ENV}
    return load_config(args.config, flags, environ)


@contextmanager
def _startup() -> Iterator[None]:
    """The run's first imports with Python's cyclic garbage collector paused, then frozen
    (and OpenBLAS's idle threads set to sleep at once).

    They make ~20,000 objects that live as long as the process (modules, classes, numpy's
    and scipy's tables) and no garbage: each collection while they come walks them again
    (~25 ms), and so would every later one (~15 ms more) unless they are frozen out of it.
    """
    if "numpy" not in sys.modules:
        # numpy's OpenBLAS starts its worker threads as it loads, and each spins (yielding)
        # for 2**28 cycles before it sleeps: CPU a small machine's run lacks (~60 ms of a
        # 0.55 s start on 2 cores). At 2**4 they sleep at once; a large product still wakes
        # them, so the threads, and every result, are the same.
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    if "digest.pipeline" in sys.modules or not gc.isenabled():  # imported already, or the caller's choice
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def cmd_run(args: argparse.Namespace) -> int:
    with _startup():
        from .notify import Unreached
        from .output import output_paths
        from .pipeline import digest_date, run

    config = _load(args, _flags(args))
    if args.force and not args.send:
        raise UsageError("--force only matters with --send (send again even if already sent)")
    if args.send:
        from .deliver import preflight

        if config.out == "-":
            raise UsageError("--send delivers the .eml written to the output folder: drop --out -")
        preflight(config)  # a missing password or recipient is said before the build, not after
        if "eml" not in config.formats:
            config = config.replace(formats=config.formats + ("eml",))
    progress, bar = _progress(args)
    eml = output_paths(digest_date(config), ("eml",), config.out)["eml"] if args.send else None
    try:
        paths = run(config, progress=progress, checkpoint=_test_pause())
    except Unreached:
        if eml is not None:
            _send(eml, config, args.force)  # no chat channel answered, but the digest is written: mail it
        raise
    finally:
        if bar is not None:
            bar.close()
    for path in paths:
        log.info("wrote %s", path)
    if eml is not None:
        return _send(eml, config, args.force)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    return _send(args.eml, _load(args), args.force)


def _send(eml: str | Path, config: Config, force: bool) -> int:
    from .deliver import send

    delivery = send(eml, config, force=force)
    if delivery.sent:
        log.info("sent %s to %s (%s)", delivery.eml, ", ".join(delivery.sent_to), delivery.message_id)
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    import json

    from .feeds import import_opml, opml_document, subscriptions

    config = _load(args)
    if args.feeds_command == "import":
        done = import_opml(Path(args.opml), config)
        for problem in done.problems:
            log.warning("%s: %s", args.opml, problem)
        text = (f"imported {len(done.added)} feeds into {done.target}"
                + (f" ({done.already} already subscribed)" if done.already else "") + "\n")
    elif args.feeds_command == "export":
        text = opml_document(subscriptions(config), config.title).decode("utf-8")
    else:
        from .pipeline import feed_listing

        shown = feed_listing(config)
        if args.json:
            text = json.dumps([s.as_json() for s in shown], indent=2, ensure_ascii=False) + "\n"
        elif not shown:
            text = "no subscriptions: add feeds = [...] to digest.toml, or digest feeds import FILE.opml\n"
        else:
            text = "".join(status.line() + "\n" for status in shown)
    _print_out(text)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    import json

    config = _load(args)
    data = as_toml_dict(config)
    if args.json:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        tables = {k: v for k, v in data.items() if isinstance(v, dict)}
        lines = [_toml_line(key, value) for key, value in data.items() if key not in tables]
        for name, table in tables.items():
            lines += ["", f"[{name}]", *(_toml_line(key, value) for key, value in table.items())]
        text = "\n".join(lines) + "\n"
    _print_out(text)
    return 0


def _toml_line(key: str, value: Any) -> str:
    """``key = value``; an unset key is a comment, so the output reads back as the same config."""
    import json

    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):  # a bare key, else quoted ("*.txt" in [outlets])
        key = json.dumps(key, ensure_ascii=False)
    return f"# {key} = (unset)" if value is None else f"{key} = {_toml_value(value)}"


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table: a subscription with its outlet
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


COMMANDS = {"run": cmd_run, "send": cmd_send, "feeds": cmd_feeds, "config": cmd_config}
STDOUT = "standard output"


# What a terminal would act on, shown as \u escapes instead (valid in JSON and TOML strings,
# where json.dumps(ensure_ascii=False) leaves C1 controls and bidi overrides raw).
_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _print_out(text: str) -> None:
    """``text`` on standard output, terminal-safe; a failed write is exit 73."""
    out = stdout()
    with writing(STDOUT):
        out.write(_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def stdout():
    """sys.stdout, or an OutputError when the process was started with it closed."""
    if sys.stdout is None:
        raise OutputError(f"{STDOUT}: cannot write output: it is closed")
    return sys.stdout


def _flush_stdout() -> None:
    """Everything printed reaches standard output now (a full disk is exit 73, not a
    complaint at exit)."""
    if sys.stdout is not None:
        with writing(STDOUT):
            sys.stdout.flush()


def _drop_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered can never be written."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def _say(line: str) -> None:
    """One line on stderr; a stderr that cannot be written to is not a second failure."""
    if sys.stderr is None:  # started with stderr closed: print(file=None) would go to stdout
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OutputError as error:  # --help or --version could not be printed
        _drop_stdout()
        _say(f"digest: error: {printable(error.message)}")
        return error.exit_code
    except BrokenPipeError:  # digest --help | head -1
        _drop_stdout()
        return 1
    _configure_logging(args)
    try:
        code = COMMANDS[args.command](args)
        _flush_stdout()
        return code
    except DigestError as exc:
        if isinstance(exc, OutputError):
            _drop_stdout()
        _say(f"digest: error: {printable(exc.message)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("digest: interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (digest ... | head): not an error to report
        _drop_stdout()
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback only with -v
        if args.verbose:
            traceback.print_exc()
        _say(f"digest: internal error: {type(exc).__name__}: {printable(str(exc))} (run with -v for details)")
        return EX_SOFTWARE


if __name__ == "__main__":
    sys.exit(main())
