"""How ``knee-coach serve`` reads a request and hands it to the WSGI app (Tornado's delegates).

It replaces ``tornado.wsgi.WSGIContainer`` for three reasons, each measured:

* **Bodies are bounded here, with a clear 413.** A body over :data:`MAX_BODY_BYTES` (declared
  or, when chunked, counted) is never held: it is read and thrown away, then answered with
  ``413 {"error":"request entity too large"}`` (reading it first lets the client see the
  answer instead of a reset). Tornado's own ``max_body_size`` (:data:`DRAIN_LIMIT`) stays
  above it as the hard stop: bigger bodies get Tornado's bare 400 and the connection closes.
* **Chunked bodies reach the app.** Werkzeug reads no body without a ``Content-Length``
  unless the server says the input is terminated; ``WSGIContainer`` says neither, so a chunked
  request (which Caddy forwards as it came) arrived empty. The body is complete here, so the
  environ carries its length and no ``Transfer-Encoding``.
* **One thread hop per request.** ``WSGIContainer`` runs the app, then each chunk of the
  answer and the end of it, as separate jobs on the thread pool (three hops for a Flask
  answer). Here one job calls the app and joins the answer; the event loop only writes it.
  No form parsing either (``WSGIContainer`` parsed every body as a form on the loop).

It also keeps :class:`Waiting`: the connections that have not yet sent a complete request,
oldest first, one of which ``serve.LimitedHTTPServer`` closes to make room when the
connection cap is reached (the longest-waiting one whose request is not arriving).
"""

from __future__ import annotations

import socket
import sys
import time
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from io import BytesIO
from itertools import islice
from typing import Any
from urllib.parse import unquote_to_bytes

from tornado import httputil
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream, StreamClosedError
from tornado.log import access_log

from skill.web.checks import MAX_BODY_BYTES

DRAIN_LIMIT = 1024 * 1024
"""Bodies up to this are read and dropped before the 413; beyond it Tornado closes."""
TOO_LARGE = b'{"error":"request entity too large"}\n'
INTERNAL = b'{"error":"internal error"}\n'
IDLE_SCAN = 16
"""Waiting connections looked at, oldest first, for one to close when the cap is reached."""
ARRIVING_S = 1.0
"""How long a connection whose request was seen arriving is not closed to make room."""
SKIPPED_HEADERS = frozenset({"Content-Type", "Content-Length", "Transfer-Encoding"})

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]


class Waiting:
    """Connections waiting for a request to arrive in full, the longest-waiting first.

    A connection enters when it is accepted (:meth:`join`), and again when Tornado starts
    reading the next request on it (kept alive); it leaves once a request is complete, or
    when it closes. From the first byte of a request that the connection delivers, its
    request is *arriving*: :meth:`idle` passes it over for :data:`ARRIVING_S` from then. A
    genuine request takes milliseconds to arrive and be read; an idle socket sends nothing,
    and one that sends a byte and stops is protected for that long only.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._streams: dict[IOStream, float | None] = {}
        self._clock = clock

    def join(self, stream: IOStream) -> None:
        """A new connection: watch what it delivers (every read Tornado makes from it)."""
        self.start(stream)
        read = type(stream).read_from_fd
        ref = weakref.ref(stream)  # no cycle through the stream's own attributes
        heard = self.heard

        def read_from_fd(buf: bytearray | memoryview) -> int | None:
            watched = ref()
            if watched is None:
                return None
            count = read(watched, buf)
            if count:
                heard(watched)
            return count

        stream.read_from_fd = read_from_fd  # type: ignore[method-assign]

    def start(self, stream: IOStream) -> None:
        self._streams.setdefault(stream, None)  # a new connection keeps its place

    def heard(self, stream: IOStream) -> None:
        if stream in self._streams and self._streams[stream] is None:
            self._streams[stream] = self._clock()

    def done(self, stream: IOStream) -> None:
        self._streams.pop(stream, None)

    def idle(self, scan: int = IDLE_SCAN) -> IOStream | None:
        """The longest-waiting connection whose request is not arriving now, among the first
        ``scan``; ``None`` if every one of those is receiving a request right now.

        Bytes still in the kernel (not read yet: the loop is busy) count as arriving too.
        """
        now = self._clock()
        for stream, arrived in list(islice(self._streams.items(), scan)):
            if arrived is None:
                if not _has_unread(stream):
                    return stream
                self._streams[stream] = now
            elif now - arrived >= ARRIVING_S:
                return stream  # slow: a request that takes this long is not protected
        return None

    def __len__(self) -> int:
        return len(self._streams)


def _has_unread(stream: IOStream) -> bool:
    """Whether the kernel holds bytes from the client that Tornado has not read yet."""
    sock = stream.socket
    if sock is None:
        return False
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))  # the socket is non-blocking
    except OSError:  # nothing to read (BlockingIOError), or reset: closing it costs nothing
        return False


class WSGIServerDelegate(httputil.HTTPServerConnectionDelegate):
    """A delegate per request, each calling ``app`` on ``executor`` once its body is in."""

    def __init__(
        self,
        app: WSGIApp,
        executor: Executor,
        waiting: Waiting,
        body_limit: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.executor = executor
        self.waiting = waiting
        self.body_limit = body_limit

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return RequestReader(self, request_conn)


class RequestReader(httputil.HTTPMessageDelegate):
    """One request: headers, a bounded body, then the app's answer written back."""

    def __init__(self, server: WSGIServerDelegate, connection: httputil.HTTPConnection) -> None:
        self.server = server
        self.connection = connection
        self.stream: IOStream | None = getattr(connection, "stream", None)
        self.remote_ip = str(getattr(getattr(connection, "context", None), "remote_ip", ""))
        if self.stream is not None:
            server.waiting.start(self.stream)
        self.start_line: httputil.RequestStartLine | None = None
        self.headers = httputil.HTTPHeaders()
        self.body = bytearray()
        self.too_large = False

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> None:
        assert isinstance(start_line, httputil.RequestStartLine)
        self.start_line, self.headers = start_line, headers
        declared = headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.server.body_limit:
            self.too_large = True  # Tornado has checked it is one plain number

    def data_received(self, chunk: bytes) -> None:
        if self.too_large:
            return  # read and dropped: never held
        self.body += chunk
        if len(self.body) > self.server.body_limit:  # a chunked body that grew too large
            self.too_large = True
            self.body = bytearray()

    def finish(self) -> None:
        self._leave_waiting()
        if self.too_large:
            self._write("413 Request Entity Too Large", [], TOO_LARGE)
            return
        environ = self.environ()
        future = IOLoop.current().run_in_executor(
            self.server.executor, call_app, self.server.app, environ
        )
        future.add_done_callback(self._answered)

    def on_connection_close(self) -> None:
        self._leave_waiting()
        self.body = bytearray()

    def _leave_waiting(self) -> None:
        if self.stream is not None:
            self.server.waiting.done(self.stream)

    def environ(self) -> dict[str, Any]:
        assert self.start_line is not None
        path, _, query = self.start_line.path.partition("?")
        host, _, port = self.headers.get("Host", "").rpartition(":")
        if not host or not port.isdigit():
            host, port = self.headers.get("Host", ""), "80"
        body = bytes(self.body)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.start_line.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REMOTE_ADDR": self.remote_ip,
            "SERVER_NAME": host,
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": self.start_line.version,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if "Content-Type" in self.headers:
            environ["CONTENT_TYPE"] = self.headers["Content-Type"]
        for name, value in self.headers.items():
            if name not in SKIPPED_HEADERS:
                environ["HTTP_" + name.replace("-", "_").upper()] = value
        self.body = bytearray()
        return environ

    def _answered(self, future: Any) -> None:
        if future.cancelled():  # the server is stopping
            return
        try:
            status, headers, body = future.result()
        except Exception:  # the app is a Flask app that answers its own errors; a safety net
            access_log.exception("the WSGI app failed outside its own error handling")
            status, headers, body = "500 Internal Server Error", [], INTERNAL
        self._write(status, headers, body)

    def _write(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        out = httputil.HTTPHeaders()
        for name, value in headers:
            out.add(name, value)
        if "Content-Length" not in out:
            out["Content-Length"] = str(len(body))
        if "Content-Type" not in out:
            out["Content-Type"] = "application/json"
        start = httputil.ResponseStartLine("HTTP/1.1", int(code), reason)
        try:
            self.connection.write_headers(start, out, chunk=body)
            self.connection.finish()
        except StreamClosedError:
            return  # the client went away while the skill was answering
        self._log(int(code))

    def _log(self, code: int) -> None:
        """``tornado.access``, as ``WSGIContainer`` logs: 5xx at ERROR, 4xx at WARNING."""
        level = 40 if code >= 500 else 30 if code >= 400 else 20
        if access_log.isEnabledFor(level) and self.start_line is not None:
            line = f"{self.start_line.method} {self.start_line.path} ({self.remote_ip})"
            access_log.log(level, "%d %s", code, line)


def call_app(app: WSGIApp, environ: dict[str, Any]) -> Answer:
    """Call the WSGI app and join its answer, all on one worker thread."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the WSGI app did not call start_response")
    return started[0], started[1], b"".join(chunks)
