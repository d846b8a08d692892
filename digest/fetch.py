"""Fetch: every HTTP request ``digest`` makes goes through one ``Fetcher``.

Bounded and polite, as feed readers must be with other people's servers and with a
cron job's lock:

- a whole-transfer deadline per URL: connecting, the status line, the headers and
  every byte of the body share ``fetch_timeout`` seconds (a server that drips one byte
  a second is cut off at the deadline, not after one socket timeout per byte);
- an overall budget for the run (``fetch_budget``): a URL not finished when it runs out
  fails, and one not started is not started;
- a size cap (``max_file_bytes``) on the body, compressed or not;
- at most ``fetch_per_host`` requests at a time to one host, ``MAX_CONNECTIONS`` in all;
  a host that let ``HOST_STRIKES`` requests in a row time out is asked nothing more in the
  run (ten entry pages on a silent host cost one timeout, not ten);
- redirects followed to http(s) only, at most ``MAX_REDIRECTS``;
- a User-Agent naming the tool, gzip and deflate accepted;
- conditional GET: ``If-None-Match`` / ``If-Modified-Since`` from the validators a
  caller kept (``Validators``), so an unchanged feed costs one 304.

Requests run in daemon threads the caller waits for with a deadline, so even a name
lookup that never answers cannot hold the run past the budget. Proxies named by the
usual ``http_proxy`` / ``https_proxy`` / ``no_proxy`` variables are used, as curl and
urllib do.
"""
from __future__ import annotations

import email.message
import email.utils
import http.client
import io
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping, Sequence
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from . import __version__
from .config import Config
from .errors import InputDataError
from .sanitise import url_problem

USER_AGENT = f"digest/{__version__} (+https://example.invalid/digest)"
ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
          "application/xml;q=0.9,*/*;q=0.5")
MAX_REDIRECTS = 5
RETRY_AFTER_MAX = 7 * 86_400  # seconds: the most a server's Retry-After can put a URL off
MAX_CONNECTIONS = 8  # requests in flight at once, across hosts
HOST_STRIKES = 2  # a host that let this many requests in a row time out is asked nothing more this run
_CHUNK = 64 * 1024
_GRACE = 1.0  # seconds past a request's deadline before its thread is given up on (a hung name lookup)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Characters left as they are when an address with spaces or non-ASCII letters is made a URI.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


@dataclass(frozen=True)
class Validators:
    """What a server said identifies the version it sent (for the next conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Request:
    url: str
    validators: Validators = field(default_factory=Validators)
    accept: str = ACCEPT


@dataclass(frozen=True)
class Response:
    """A completed fetch: 200 with the body, or 304 (``not_modified``) with none."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    data: bytes
    content_type: str  # media type only, lower-case ("text/html")
    charset: str | None
    validators: Validators
    moved_to: str | None = None  # where every redirect on the way was permanent (301, 308)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(InputDataError):
    """A URL that could not be fetched; the message starts with the URL and says why.

    ``temporary`` failures (timeouts, 5xx, 429, a connection refused) are worth retrying
    soon; ``retry_after`` is the server's own wish in seconds; ``budget`` says the run's
    fetch budget ran out, which is no fault of the server.
    """

    def __init__(self, url: str, reason: str, *, status: int | None = None, retry_after: float | None = None,
                 temporary: bool = True, budget: bool = False, timed_out: bool = False):
        super().__init__(f"{url}: {reason}")
        self.timed_out = timed_out
        self.url = url
        self.reason = reason
        self.status = status
        # A server's Retry-After of 10**20 s would overflow the date of the next try.
        self.retry_after = None if retry_after is None else min(retry_after, RETRY_AFTER_MAX)
        self.temporary = temporary
        self.budget = budget


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an http(s) URL.

    Raises:
        FetchError: not an http(s) URL, or not a valid one (``http://[::1/broken``).
    """
    problem = url_problem(url)
    if problem:
        raise FetchError(url, problem, temporary=False)
    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    if scheme not in ("http", "https"):
        raise FetchError(url, "not an http(s) URL", temporary=False)
    if not host:
        raise FetchError(url, "not a valid URL (no host)", temporary=False)
    return scheme, host, port or (443 if scheme == "https" else 80)


def _request_target(url: str) -> str:
    """The path and query of ``url`` as ASCII (spaces and non-ASCII letters percent-encoded)."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    return path + (f"?{quote(parts.query, safe=_SAFE_QUERY)}" if parts.query else "")


def _host_header(host: str, port: int, scheme: str) -> str:
    name = host.encode("idna").decode("ascii") if not _is_ip6(host) else f"[{host}]"
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def _is_ip6(host: str) -> bool:
    return ":" in host


# --------------------------------------------------------------------------- one transfer


class _Deadline:
    def __init__(self, at: float, seconds: float, budget: bool):
        self.at = at
        self.seconds = seconds  # what the deadline is, for the message
        self.budget = budget  # the run's fetch budget, not the URL's timeout, set it

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket read under the deadline: every ``recv`` may wait only for the time left."""

    def __init__(self, sock: socket.socket, deadline: _Deadline):
        self._sock = sock
        # Through sock.makefile, which counts as a user of the socket: http.client closes the
        # connection once the headers say the body ends at EOF (HTTP/1.0, no or a bad
        # Content-Length), and a bare recv then read a closed descriptor (EBADF).
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What ``HTTPResponse`` reads from: the socket, behind the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args, deadline: _Deadline, **kwargs):  # noqa: ANN002, ANN003
        super().__init__(_DeadlineSocket(sock, deadline), *args, **kwargs)


class _DeadlineConnection:
    """Mixed into http.client's connections: connecting and sending share the deadline too."""

    def __init__(self, *args, deadline: _Deadline, **kwargs):  # noqa: ANN002, ANN003
        super().__init__(*args, timeout=deadline.remaining(), **kwargs)
        self._deadline = deadline

        def response(sock: socket.socket, *args, **kwargs) -> _DeadlineResponse:  # noqa: ANN002, ANN003
            return _DeadlineResponse(sock, *args, deadline=deadline, **kwargs)

        self.response_class = response

    def connect(self) -> None:
        self.timeout = self._deadline.remaining()
        super().connect()

    def send(self, data) -> None:  # noqa: ANN001
        if self.sock is not None:
            self.sock.settimeout(self._deadline.remaining())
        super().send(data)


class _HTTP(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _HTTPS(_DeadlineConnection, http.client.HTTPSConnection):
    pass


def _media_type(value: str | None) -> tuple[str, str | None]:
    message = email.message.Message()
    message["Content-Type"] = value or "application/octet-stream"
    charset = message.get_content_charset()
    return message.get_content_type(), charset


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); junk is None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() too, and float() refuses it
        return float(value)  # inf for a long one: FetchError clamps it
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _decompress(data: bytes, encoding: str, cap: int, url: str) -> bytes:
    """A gzip or deflate body, never more than ``cap`` bytes of it (a small bomb stays small)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS if data[:1] == b"\x78" else -zlib.MAX_WBITS  # zlib-wrapped or raw
    else:
        raise FetchError(url, f"unsupported Content-Encoding {encoding!r}", temporary=False)
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise FetchError(url, f"broken {encoding} body", temporary=False) from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise FetchError(url, f"more than the {cap}-byte limit once decompressed", temporary=False)
    return out


@dataclass(frozen=True)
class Proxies:
    """Proxies by scheme and the hosts that bypass them (the http_proxy / no_proxy convention)."""

    by_scheme: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Proxies":
        return cls({k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https", "no")})

    def for_url(self, scheme: str, host: str) -> tuple[str, int] | None:
        proxy = self.by_scheme.get(scheme)
        if not proxy or _bypassed(host, self.by_scheme.get("no", "")):
            return None
        try:
            parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            return parts.hostname or "", parts.port or 8080
        except ValueError:
            return None


def _bypassed(host: str, no_proxy: str) -> bool:
    host = host.lower()
    for entry in (e.strip().lower().lstrip(".") for e in no_proxy.split(",")):
        if entry == "*" or entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


# --------------------------------------------------------------------------- the fetcher


class Fetcher:
    """Every HTTP GET of one run: see the module docstring.

    Args:
        timeout: seconds for each URL's whole transfer, redirects included.
        max_bytes: the largest body taken.
        budget: seconds for all fetching from the first request on; None: no budget.
        per_host: requests in flight at once to one host.
        connections: requests in flight at once in all.
        proxies: where requests go through a proxy (default: none).
    """

    def __init__(self, timeout: float = 10.0, max_bytes: int = 20_000_000, budget: float | None = 120.0,
                 per_host: int = 2, connections: int = MAX_CONNECTIONS, user_agent: str = USER_AGENT,
                 proxies: Proxies | None = None):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.budget = budget
        self.per_host = max(1, per_host)
        self.connections = max(1, connections)
        self.user_agent = user_agent
        self.proxies = proxies or Proxies()
        self._budget_end: float | None = None
        self._strikes: dict[str, int] = {}  # host -> requests in a row that timed out
        self.requests = 0  # made so far (for -v)

    @classmethod
    def from_config(cls, config: Config) -> "Fetcher":
        return cls(timeout=config.fetch_timeout, max_bytes=config.max_file_bytes, budget=config.fetch_budget,
                   per_host=config.fetch_per_host, proxies=Proxies.from_environment())

    def _start_budget(self) -> None:
        if self._budget_end is None and self.budget is not None:
            self._budget_end = time.monotonic() + self.budget

    def budget_left(self) -> float | None:
        """Seconds of the budget left (None without one); the budget starts at the first request."""
        if self.budget is None:
            return None
        if self._budget_end is None:
            return self.budget
        return max(0.0, self._budget_end - time.monotonic())

    def fetch(self, url: str, validators: Validators | None = None) -> Response:
        """GET one URL (see ``fetch_many``).

        Raises:
            FetchError: the message names the URL and says why.
        """
        (result,) = self.fetch_many([Request(url, validators or Validators())])
        if isinstance(result, FetchError):
            raise result
        return result

    def fetch_many(self, requests: Sequence[Request]) -> list[Response | FetchError]:
        """GET every request, several at a time, and return each one's outcome in order.

        Never raises for a URL: each failure is its ``FetchError``. Requests to one host
        go ``per_host`` at a time, in the order given; a request not started when the
        budget runs out fails with ``budget`` set.
        """
        results: list[Response | FetchError | None] = [None] * len(requests)
        if not requests:
            return []
        self._start_budget()
        hosts: list[str | None] = []
        for i, request in enumerate(requests):
            try:
                hosts.append(check_url(request.url)[1].lower())
            except FetchError as exc:
                results[i] = exc
                hosts.append(None)
        waiting = [i for i in range(len(requests)) if results[i] is None]
        done = threading.Condition()
        running: dict[int, float] = {}  # index -> deadline
        busy: dict[str, int] = {}
        finished: dict[int, Response | FetchError] = {}

        def work(index: int, deadline: _Deadline) -> None:
            try:
                outcome: Response | FetchError = self._get(requests[index], deadline)
            except FetchError as exc:
                outcome = exc
            except Exception as exc:  # noqa: BLE001 -- a URL's failure of any kind is that URL's warning
                outcome = FetchError(requests[index].url, f"fetch failed: {type(exc).__name__} {exc}".rstrip())
            with done:
                finished[index] = outcome
                done.notify_all()

        with done:
            while waiting or running:
                now = time.monotonic()
                budget_out = self._budget_end is not None and now >= self._budget_end
                if budget_out:
                    for i in waiting:
                        results[i] = FetchError(requests[i].url, f"not fetched: the run's fetch budget of "
                                                f"{self.budget:g} s ran out", budget=True)
                    waiting = []
                for i in list(waiting):
                    if len(running) >= self.connections:
                        break
                    host = hosts[i]
                    if self._strikes.get(host, 0) >= HOST_STRIKES:
                        waiting.remove(i)
                        results[i] = FetchError(requests[i].url, f"not fetched: {host} let the last "
                                                f"{self._strikes[host]} requests time out")
                        continue
                    if busy.get(host, 0) >= self.per_host or (self._strikes.get(host) and busy.get(host)):
                        continue  # after a timeout, one at a time until the host answers again
                    waiting.remove(i)
                    deadline = self._deadline(now)
                    running[i] = deadline.at
                    busy[host] = busy.get(host, 0) + 1
                    self.requests += 1
                    threading.Thread(target=work, args=(i, deadline), daemon=True,
                                     name=f"digest-fetch-{i}").start()
                wake = min(running.values(), default=now) + _GRACE
                if waiting and self._budget_end is not None:
                    wake = min(wake, self._budget_end)
                done.wait(timeout=max(0.01, wake - time.monotonic()))
                for i in [i for i in running if i in finished or time.monotonic() > running[i] + _GRACE]:
                    results[i] = finished[i] if i in finished else self._overdue(requests[i].url, running[i])
                    del running[i]
                    busy[hosts[i]] -= 1
                    outcome = results[i]
                    if isinstance(outcome, Response):
                        self._strikes[hosts[i]] = 0
                    elif outcome.timed_out:
                        self._strikes[hosts[i]] = self._strikes.get(hosts[i], 0) + 1
        return [r for r in results if r is not None]

    def _deadline(self, now: float) -> _Deadline:
        at = now + self.timeout
        if self._budget_end is not None and self._budget_end < at:
            return _Deadline(self._budget_end, self.budget or 0.0, budget=True)
        return _Deadline(at, self.timeout, budget=False)

    def _overdue(self, url: str, at: float) -> FetchError:
        """A request whose thread is stuck past its deadline (in a name lookup): given up on."""
        budget = self._budget_end is not None and at >= self._budget_end
        return self._timed_out(url, _Deadline(at, self.budget if budget else self.timeout, budget))

    @staticmethod
    def _timed_out(url: str, deadline: _Deadline) -> FetchError:
        if deadline.budget:
            return FetchError(url, f"stopped: the run's fetch budget of {deadline.seconds:g} s ran out", budget=True)
        return FetchError(url, f"timed out after {deadline.seconds:g} s", timed_out=True)

    def _get(self, request: Request, deadline: _Deadline) -> Response:
        """One GET under ``deadline``, following redirects; raises FetchError."""
        url = request.url
        permanent = True
        for _ in range(MAX_REDIRECTS + 1):
            try:
                status, headers, body = self._exchange(url, request, deadline)
            except TimeoutError:
                raise self._timed_out(request.url, deadline) from None
            except FetchError:
                raise
            except ssl.SSLCertVerificationError as exc:
                raise FetchError(request.url, f"certificate not trusted ({exc.verify_message})",
                                 temporary=False) from None
            except socket.gaierror:
                raise FetchError(request.url, f"cannot resolve the host name of {url}") from None
            except ConnectionRefusedError:
                raise FetchError(request.url, "cannot connect: connection refused") from None
            except http.client.HTTPException as exc:
                raise FetchError(request.url, f"bad HTTP response ({type(exc).__name__})") from None
            except (OSError, ValueError) as exc:
                why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise FetchError(request.url, f"fetch failed: {why}") from None
            if status in _REDIRECTS:
                location = headers.get("Location")
                if not location:
                    raise FetchError(request.url, f"HTTP {status} redirect without a Location")
                target = urljoin(url, location.strip())
                try:
                    scheme = urlsplit(target).scheme.lower()
                except ValueError:
                    scheme = ""
                if scheme not in ("http", "https"):
                    raise FetchError(request.url, f"redirect to a non-HTTP URL ({target[:200]})", temporary=False)
                check_url(target)
                permanent = permanent and status in (301, 308)
                url = target
                continue
            kind, charset = _media_type(headers.get("Content-Type"))
            validators = Validators(headers.get("ETag"), headers.get("Last-Modified"))
            if status == 304:
                return Response(request.url, url, 304, b"", kind, charset,
                                validators or request.validators, url if permanent and url != request.url else None)
            if not 200 <= status < 300:
                retry = _retry_after(headers.get("Retry-After")) if status in (429, 503) else None
                reason = http.client.responses.get(status, "")
                raise FetchError(request.url, f"HTTP {status} {reason}".rstrip(), status=status, retry_after=retry,
                                 temporary=status >= 500 or status in (408, 425, 429))
            data = _decompress(body, headers.get("Content-Encoding", ""), self.max_bytes, request.url)
            return Response(request.url, url, status, data, kind, charset, validators,
                            url if permanent and url != request.url else None)
        raise FetchError(request.url, f"more than {MAX_REDIRECTS} redirects", temporary=False)

    def _exchange(self, url: str, request: Request, deadline: _Deadline) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send the GET for ``url`` and read the answer, body and all, before ``deadline``."""
        scheme, host, port = check_url(url)
        proxy = self.proxies.for_url(scheme, host)
        connect_host, connect_port = proxy or (host, port)
        if scheme == "https":
            connection: http.client.HTTPConnection = _HTTPS(connect_host, connect_port, deadline=deadline,
                                                            context=ssl.create_default_context())
            if proxy:
                connection.set_tunnel(host, port)
            target = _request_target(url)
        else:
            connection = _HTTP(connect_host, connect_port, deadline=deadline)
            target = _request_target(url)
            if proxy:  # a plain-HTTP proxy takes the absolute URL
                target = urlunsplit(("http", _host_header(host, port, scheme), target, "", ""))
        headers = {
            "Host": _host_header(host, port, scheme),
            "User-Agent": self.user_agent,
            "Accept": request.accept,
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
        }
        if request.validators.etag:
            headers["If-None-Match"] = request.validators.etag
        if request.validators.last_modified:
            headers["If-Modified-Since"] = request.validators.last_modified
        try:
            connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            status = response.status
            if status in _REDIRECTS or status == 304 or not 200 <= status < 300:
                return status, response.headers, b""
            cap = self.max_bytes
            # http.client's reading of Content-Length: None when absent, negative or no number.
            if response.length is not None and response.length > cap:
                raise FetchError(request.url, f"{response.length} bytes is over the {cap}-byte limit", temporary=False)
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise FetchError(request.url, f"more than the {cap}-byte limit", temporary=False)
                chunks.append(chunk)
            return status, response.headers, b"".join(chunks)
        finally:
            connection.close()
