"""One configuration object, built once: defaults < config file < environment < flags.

Stages receive a ``Config``; none of them reads flags, files or the environment.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .embed import check_embedding  # the lookup table only: no model or numpy is loaded
from .errors import ConfigError
from .files import read_bounded, shown

ENV_PREFIX = "DIGEST_"
# DIGEST_* variables that are not configuration keys.
ENV_NOT_CONFIG = frozenset({"DIGEST_CONFIG"})


@dataclass(frozen=True)
class EmailConfig:
    from_: str = "digest@localhost"
    to: tuple[str, ...] = ()
    subject: str = "News digest — {date}"
    unsubscribe_url: str | None = None
    list_id: str | None = None


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password_env: str | None = None  # name of the variable holding the password
    timeout: float = 30.0  # seconds for connecting and for each SMTP reply
    verify: bool = True  # check the server's TLS certificate (false only for tests or a trusted LAN)
    ca_file: str | None = None  # extra CA certificate(s), PEM, for a self-hosted server


@dataclass(frozen=True)
class StateConfig:
    """The memory of what earlier digests published (``[state]`` in the config file)."""

    path: str | None = None  # SQLite file; None means $XDG_STATE_HOME/digest/state.sqlite
    enabled: bool = True  # false (or --no-state): every run starts from a blank memory


@dataclass(frozen=True)
class FeedConfig:
    """One subscription (``feeds = [...]``): a feed URL, optionally the outlet name to show."""

    url: str = ""
    outlet: str | None = None  # None: the feed's own title


@dataclass(frozen=True)
class NotifyConfig:
    """Chat and webhook delivery (``[notify]``): apprise URLs, one channel each."""

    urls: tuple[str, ...] = ()  # e.g. "json://hooks.example/digest", "ntfy://topic", "slack://..."


@dataclass(frozen=True)
class Config:
    """Everything a run needs. Field names are the config file's keys."""

    inputs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("text", "html", "json")
    out: str = "out"  # output folder, or "-" for stdout
    date: str | None = None  # YYYY-MM-DD; default today
    title: str = "News digest"
    max_words: int = 450  # about two minutes of reading
    sentences: int | None = None
    algorithm: str = "digest"
    language: str = "english"
    dedup_threshold: float = 53.0  # dedup score (0-100) from which two sentences merge; chosen on MSRP train
    dedup_mode: str = "fuzzy"  # dedup scorer: "fuzzy" (default) or "semantic" (adds the embedding's cosine)
    embedding: str = "wordllama"  # sentence embedder (digest.embed.EMBEDDERS): "wordllama", "minilm" (extra digest[semantic]) or "none"
    boilerplate_patterns: tuple[str, ...] = ()  # extra regexes, matched against whole lines
    boilerplate_min_repeats: int = 3  # a line seen verbatim in this many articles of one outlet
    templates: str | None = None
    explain: str | None = None
    since: str | None = None  # "24h", "7d", "90m" (before now) or YYYY-MM-DD (from 00:00 UTC)
    lock_timeout: float = 60.0  # seconds a run waits for an overlapping one before exit 75
    state: StateConfig = field(default_factory=StateConfig)
    max_file_bytes: int = 20_000_000
    fetch: bool = False  # read online sources (feed entry pages, urls.txt); off by default
    fetch_timeout: float = 10.0  # seconds per URL, connect to last byte (redirects included)
    fetch_budget: float = 120.0  # seconds for all of a run's fetching; what is left then is not fetched
    fetch_per_host: int = 2  # requests at a time to one host
    jobs: int = 1  # processes that read and split the articles
    # [outlets]: folder names, file-name globs or URL domains -> outlet names, for articles
    # that do not name their outlet (plain files); a table in the file, pairs here.
    outlets: tuple[tuple[str, str], ...] = field(default=(), metadata={"table": True})
    feeds: tuple[FeedConfig, ...] = ()  # subscriptions, fetched by every run (no --fetch needed)
    opml: str | None = None  # an OPML file of subscriptions; None: $XDG_CONFIG_HOME/digest/feeds.opml if it exists
    site_url: str | None = None  # where the output folder is served, for absolute links (Atom feed, chat)
    atom_entries: int = 20  # digests in the rolling out/digest.atom
    include: tuple[str, ...] = ()  # keep only stories matching one of these words or /regular expressions/
    mute: tuple[str, ...] = ()  # leave out stories and sentences matching these
    mute_outlets: tuple[str, ...] = ()  # leave out articles from these outlets (names or web hosts)
    email: EmailConfig = field(default_factory=EmailConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **changes)


def _key(name: str) -> str:
    """Config file spelling of a field name (``from_`` is ``from``)."""
    return name.rstrip("_")


def _shown(value: Any) -> str:
    """``repr(value)`` for a message; TOML reads 0xfff... of any length, Python prints no int
    of more than 4300 digits."""
    try:
        return repr(value)
    except ValueError:
        return f"a number of {value.bit_length()} bits"


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a field's type hint, converting where the meaning is plain."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], where)
    if origin is tuple and args and typing.get_origin(args[0]) is tuple:  # a table of names
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table of names")
        return tuple((str(k), _coerce(v, str, f"{where}.{k}")) for k, v in value.items())
    if origin is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_coerce(v, args[0], where) for v in value)
    if hint is FeedConfig:
        return _feed(value, where)
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {_shown(value)}")
        return value
    if hint in (int, float):
        kind = "an integer" if hint is int else "a number"
        if isinstance(value, str):
            try:
                return hint(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int,) if hint is int else (int, float)):
            raise ConfigError(f"{where}: expected {kind}, got {_shown(value)}")
        return hint(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {_shown(value)}")
        return value
    raise AssertionError(f"unhandled config type {hint!r}")


def _feed(value: Any, where: str) -> FeedConfig:
    """A subscription: a URL, or a table ``{url = "...", outlet = "..."}``."""
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a feed URL or a table {{url = ..., outlet = ...}}, got {_shown(value)}")
    feed = _apply(FeedConfig(), value, f"{where}.")
    if not feed.url.strip():
        raise ConfigError(f"{where}: a feed needs its url")
    return dataclasses.replace(feed, url=feed.url.strip())


def _apply(obj: Any, table: Mapping[str, Any], where: str) -> Any:
    """Return ``obj`` with the keys of ``table`` applied; unknown keys are errors."""
    hints = typing.get_type_hints(type(obj))
    fields = {_key(f.name): f.name for f in dataclasses.fields(obj)}
    changes = {}
    for key, value in table.items():
        name = fields.get(key)
        if name is None:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"unknown configuration key '{where}{key}' (known here: {known})")
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}{key}: expected a table")
            changes[name] = _apply(getattr(obj, name), value, f"{where}{key}.")
        else:
            changes[name] = _coerce(value, hint, f"{where}{key}")
    return dataclasses.replace(obj, **changes)


def default_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME/digest/state.sqlite (XDG default: ~/.local/state)."""
    environ = os.environ if environ is None else environ
    xdg = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "digest" / "state.sqlite"


def default_opml_path() -> Path:
    """$XDG_CONFIG_HOME/digest/feeds.opml: the subscriptions ``digest feeds import`` adds to."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "digest" / "feeds.opml"


def has_subscriptions(config: Config) -> bool:
    """Feeds to fetch: configured ones, or an OPML file of them (configured, or the default one)."""
    return bool(config.feeds or config.opml or default_opml_path().is_file())


def default_config_paths() -> list[Path]:
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path("digest.toml"), Path(xdg) / "digest" / "digest.toml"]


CONFIG_BYTES = 1_000_000  # a digest.toml is a few hundred bytes; anything near this is not one


def _present(path: Path) -> bool:
    """True unless ``path`` is plainly missing: a FIFO, or a file behind a folder that cannot
    be read, is there, and reading it says what is wrong (never skipped without a word)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return os.path.islink(path)
    except OSError:
        return True
    return True


def read_config_file(path: Path) -> dict[str, Any]:
    import tomllib  # only a run with a config file parses TOML

    data = read_bounded(path, CONFIG_BYTES, ConfigError)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{shown(path)}: not valid TOML: not UTF-8 text (a binary file?)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown(path)}: not valid TOML: {exc}") from None
    except ValueError:  # int() in tomllib: over sys.get_int_max_str_digits() decimal digits
        raise ConfigError(f"{shown(path)}: a number of more than {sys.get_int_max_str_digits()} digits") from None
    except RecursionError:
        raise ConfigError(f"{shown(path)}: not valid TOML: nested too deeply") from None


def env_table(environ: Mapping[str, str]) -> dict[str, Any]:
    """DIGEST_MAX_WORDS=300 -> {"max_words": "300"}; DIGEST_SMTP__HOST -> {"smtp": {"host": ...}}."""
    table: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_CONFIG:
            continue
        path = name[len(ENV_PREFIX):].lower().split("__")
        node = table
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return table


def load_config(
    path: str | os.PathLike | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the effective configuration.

    Args:
        path: the config file; None means DIGEST_CONFIG, then ./digest.toml, then
            $XDG_CONFIG_HOME/digest/digest.toml, the first that exists (none is fine).
        flags: command-line values (None values are ignored), nested dicts for tables.
        environ: the environment to read DIGEST_* variables from (default os.environ).

    Raises:
        ConfigError: an unreadable file, an unknown key or a value of the wrong type.
    """
    environ = os.environ if environ is None else environ
    config = Config()
    if path is None and environ.get("DIGEST_CONFIG"):
        path = environ["DIGEST_CONFIG"]
    if path is None:
        path = next((p for p in default_config_paths() if _present(p)), None)
    elif not _present(Path(path)):
        raise ConfigError(f"{shown(path)}: config file not found")
    if path is not None:
        try:
            config = _apply(config, read_config_file(Path(path)), "")
        except ConfigError as exc:
            if exc.message.startswith(f"{shown(path)}:"):
                raise
            raise ConfigError(f"{shown(path)}: {exc.message}") from None
    config = _apply(config, env_table(environ), "DIGEST_")
    if flags:
        config = _apply(config, _drop_none(flags), "--")
    _check_ranges(config)
    _check_choices(config)
    compile_patterns(config.include, "include")
    compile_patterns(config.mute, "mute")
    return config


# (key, lowest allowed, highest allowed, lowest itself allowed): values of the right type
# that still make no sense. A timeout of 0 fails every request; one of inf never ends. Every
# number setting has its entry (a test checks): a bound left out is a crash further on.
_RANGES = (
    ("max_words", 1, 1_000_000, True), ("sentences", 1, 100_000, True), ("dedup_threshold", 0, 100, True),
    ("jobs", 1, 1024, True), ("boilerplate_min_repeats", 2, 1_000_000, True), ("lock_timeout", 0, 86_400, True),
    ("max_file_bytes", 1, 2**40, True), ("fetch_timeout", 0, 86_400, False), ("fetch_budget", 0, 86_400, False),
    ("fetch_per_host", 1, 100, True), ("atom_entries", 1, 10_000, True),
    ("smtp.port", 1, 65_535, True), ("smtp.timeout", 0, 86_400, False),
)


def _check_ranges(config: Config) -> None:
    for name, low, high, closed in _RANGES:
        value: Any = config
        for part in name.split("."):
            value = getattr(value, part)
        if value is None:
            continue
        # NaN compares false with everything: "not low <= value" catches it too.
        above = low <= value if closed else low < value
        if not above or not value <= high:
            lowest = f"{'' if closed else 'more than '}{low}"
            limits = f"from {lowest} to {high}"
            raise ConfigError(f"{name}: expected {limits}, got {_shown(value)}")


def _check_choices(config: Config) -> None:
    check_embedding(config.embedding)
    check_notify_urls(config.notify.urls)


def check_notify_urls(urls: Sequence[str]) -> None:
    """Every ``[notify] urls`` entry is one apprise can read (a typo is a config error, not a
    failed delivery after the run).

    Raises:
        ConfigError: naming the URL by its scheme only (the rest may hold a token).
    """
    if not urls:
        return
    import apprise  # only a config with chat channels pays for it

    for url in urls:
        with apprise.LogCapture(level=logging.WARNING):  # apprise's own complaint: ours names the key
            known = apprise.Apprise().add(url)
        if not known:
            raise ConfigError(f"notify.urls: {masked_url(url)}: not an apprise URL this apprise knows")


def masked_url(url: str) -> str:
    """A URL apprise could not read, shown by its scheme only (whatever follows may be a secret)."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://…" if sep else "(not a URL)"


def _feed_value(feed: FeedConfig) -> str | dict[str, str]:
    """A subscription as written in the config file: its URL alone when it names no outlet."""
    return feed.url if feed.outlet is None else {"url": feed.url, "outlet": feed.outlet}


def _drop_none(table: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            value = _drop_none(value)
            if value:
                out[key] = value
        elif value is not None:
            out[key] = value
    return out


def as_toml_dict(config: Config) -> dict[str, Any]:
    """The effective configuration as nested plain values (for ``digest config``)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            out[_key(f.name)] = as_toml_dict(value)
        elif f.metadata.get("table"):
            out[_key(f.name)] = dict(value)
        elif isinstance(value, tuple):
            out[_key(f.name)] = [_feed_value(v) if isinstance(v, FeedConfig) else v for v in value]
        else:
            out[_key(f.name)] = value
    return out


# Seconds a user's regular expression may take on one sentence: a pattern that backtracks
# without end ("(a|aa)+$") stops the run with a config error instead of hanging it.
PATTERN_SECONDS = 1.0


class UserRegex:
    """A regular expression from the config, matched case-insensitively under ``PATTERN_SECONDS``
    (the ``regex`` module's timeout; ``re`` has none).

    Raises:
        ConfigError: it does not compile (here), or it runs out of time on a sentence (when matched).
    """

    def __init__(self, source: str, key: str, template: str = "{}", written: str | None = None) -> None:
        import regex

        self.source, self.key = written or source, key
        try:
            regex.compile(source, regex.V0)  # its own error positions, not the template's
            self._regex = regex.compile(template.format(source), regex.IGNORECASE | regex.V0)
        except (regex.error, ValueError, OverflowError) as exc:
            raise ConfigError(f"{key}: {_shown(self.source)} is not a valid regular expression ({exc})") from None

    def _timed(self, method, text: str):
        try:
            return method(text, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise ConfigError(f"{self.key}: {_shown(self.source)} takes over {PATTERN_SECONDS:g} s on one sentence "
                              "(it backtracks without end); write it without nested repeats") from None

    def search(self, text: str):
        return self._timed(self._regex.search, text)

    def fullmatch(self, text: str):
        return self._timed(self._regex.fullmatch, text)


# The include / mute lists: checked here, so a bad pattern is a config error before any run.
@dataclass(frozen=True)
class Pattern:
    source: str  # as written in the config
    regex: "re.Pattern[str] | UserRegex"

    def __call__(self, text: str) -> bool:
        return self.regex.search(text) is not None


def compile_patterns(values: Sequence[str], key: str) -> tuple[Pattern, ...]:
    """The config's words and /regular expressions/ as patterns.

    Raises:
        ConfigError: an empty pattern, or a regular expression that does not compile.
    """
    out = []
    for value in values:
        text = value.strip()
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            regex: re.Pattern[str] | UserRegex = UserRegex(text[1:-1], key, written=value)
        elif text:
            words = r"\s+".join(re.escape(w) for w in text.split())
            regex = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
        else:
            raise ConfigError(f"{key}: an empty pattern would match everything")
        out.append(Pattern(value, regex))
    return tuple(out)
