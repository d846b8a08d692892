"""Servers on 127.0.0.1 that the online tests start: nothing leaves the machine.

- ``WebServer``: routes of fixed answers, honouring ETag / Last-Modified with 304s,
  gzip on request, and a record of every request (path, headers, concurrency).
- ``SlowServer``: answers one byte at a time, or never, to test deadlines.
- ``WebhookReceiver``: records every POST (an apprise ``json://`` target).
"""
from __future__ import annotations

import gzip
import http.server
import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Route:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int = 0


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Running:
    """Start on enter (a thread serving), stop on exit."""

    server: socketserver.BaseServer

    def _start(self, server: socketserver.BaseServer) -> None:
        self.server = server
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WebServer(_Running):
    """Fixed answers by path; conditional GET answered with 304 when the validators match."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(_Quiet):
            def do_GET(self) -> None:  # noqa: N802
                owner._answer(self)

        self._start(_Server(("127.0.0.1", 0), Handler))

    def route(self, path: str, body: bytes | str = b"", **kwargs) -> Route:
        route = Route(body=body.encode() if isinstance(body, str) else body, **kwargs)
        self.routes[path] = route
        return route

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def statuses(self, path: str) -> list[int]:
        return [seen.status for seen in self.requests if seen.path == path]

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        seen = Seen(handler.path, dict(handler.headers.items()))
        flying = [True]
        with self._lock:
            self.requests.append(seen)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

        def land() -> None:
            # No longer in flight once the answer starts: the client may send its next request
            # as soon as it has read this one, before this thread runs again.
            with self._lock:
                if flying:
                    flying.clear()
                    self.in_flight -= 1
        try:
            route = self.routes.get(handler.path.split("?")[0], Route(404, "text/plain", b"not found"))
            if route.delay:
                time.sleep(route.delay)
            status, body = route.status, route.body
            unchanged = (route.etag and handler.headers.get("If-None-Match") == route.etag) or (
                route.last_modified and not route.etag
                and handler.headers.get("If-Modified-Since") == route.last_modified)
            if status == 200 and unchanged:
                status, body = 304, b""
            headers = dict(route.headers)
            if status == 200 and "gzip" in handler.headers.get("Accept-Encoding", "") and len(body) > 200 \
                    and "Content-Encoding" not in headers:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            seen.status = status
            land()
            handler.send_response(status)
            if status in (301, 302, 303, 307, 308):
                handler.send_header("Location", route.body.decode())
                body = b""
            handler.send_header("Content-Type", route.content_type)
            if route.etag:
                handler.send_header("ETag", route.etag)
            if route.last_modified:
                handler.send_header("Last-Modified", route.last_modified)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:  # the client gave up
            pass
        finally:
            land()


class SlowServer(_Running):
    """Sends ``answer`` one byte every ``interval`` seconds from byte ``fast_until`` on
    (or, with ``silent``, accepts and never says a word)."""

    ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2000\r\n\r\n" + b"x" * 2000)

    def __init__(self, fast_until: int = 0, interval: float = 1.0, silent: bool = False) -> None:
        owner = self
        self.connections = 0

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner.connections += 1
                self.request.settimeout(60)
                try:
                    self.request.recv(65536)  # the request
                    if silent:
                        time.sleep(60)
                        return
                    answer = owner.ANSWER
                    self.request.sendall(answer[:fast_until])
                    for i in range(fast_until, len(answer)):
                        time.sleep(interval)
                        self.request.sendall(answer[i:i + 1])
                except OSError:
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._start(Server(("127.0.0.1", 0), Handler))

    @classmethod
    def body_offset(cls) -> int:
        return cls.ANSWER.index(b"\r\n\r\n") + 4

    @classmethod
    def headers_offset(cls) -> int:
        return cls.ANSWER.index(b"\r\n") + 2


class WebhookReceiver(_Running):
    """Records the JSON (or form) body of every POST; answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        self.status = status
        owner = self

        class Handler(_Quiet):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                owner.posts.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(owner.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self._start(_Server(("127.0.0.1", 0), Handler))


def free_port() -> int:
    """A loopback port nothing listens on (for 'connection refused')."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss(title: str, entries: list[dict], link: str = "https://outlet.example/") -> bytes:
    """An RSS 2.0 feed; each entry: title, link, guid (optional), published (RFC 2822),
    content (HTML, as content:encoded) and/or summary."""
    from xml.sax.saxutils import escape

    items = []
    for e in entries:
        parts = [f"<title>{escape(e['title'])}</title>"]
        if e.get("link"):
            parts.append(f"<link>{escape(e['link'])}</link>")
        if e.get("guid"):
            parts.append(f'<guid isPermaLink="false">{escape(e["guid"])}</guid>')
        if e.get("published"):
            parts.append(f"<pubDate>{e['published']}</pubDate>")
        if e.get("summary"):
            parts.append(f"<description>{escape(e['summary'])}</description>")
        if e.get("content"):
            parts.append(f"<content:encoded><![CDATA[{e['content']}]]></content:encoded>")
        items.append("<item>" + "".join(parts) + "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{escape(title)}</title><link>{escape(link)}</link>{''.join(items)}</channel></rss>").encode()


def sample_feeds(sample: "Path", base: str) -> dict[str, bytes]:
    """The shipped sample articles (input/, written for the project) as one RSS feed per
    outlet: {path: feed}, entries with full content, links under ``base``."""
    from pathlib import Path
    from xml.sax.saxutils import escape

    from digest.config import Config
    from digest.ingest import read_file

    by_outlet: dict[str, list[dict]] = {}
    for path in sorted(Path(sample).iterdir()):
        (article,) = read_file(path, Config())
        outlet = article.outlet or path.stem.rsplit("-", 1)[0].replace("-", " ").title()
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.body.split("\n\n") if p.strip())
        by_outlet.setdefault(outlet, []).append({
            "title": article.title, "link": f"{base}/{path.stem}", "guid": f"{path.stem}",
            "published": "Fri, 20 Nov 2026 06:00:00 GMT", "content": paragraphs})
    return {f"/{name.lower().replace(' ', '-')}.rss": rss(name, entries) for name, entries in by_outlet.items()}
