"""A small read-only JSON API over HTTP (`kb serve`): GET /search and /health, for other systems and load tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from . import store
from .errors import KBError
from .models import Filters

MAX_K = 100
READ_TIMEOUT_S = 10.0  # a client that sends its request slower than this is dropped
MAX_CONNECTIONS = 64  # connections served at once; more are answered 503 at once, not queued on threads


class KBServer(ThreadingHTTPServer):
    """Holds one KnowledgeBase and reloads it when a build switches the index (checked at most once a second).

    Bounded: each connection has a read timeout, and at most `max_connections` are served at once, so
    half-sent requests cannot pile up threads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], index_dir: Path, embedder=None, *,
                 timeout: float = READ_TIMEOUT_S, max_connections: int = MAX_CONNECTIONS):
        from .search import KnowledgeBase

        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.kb = KnowledgeBase.load(self.index_dir, embedder=embedder)
        self.read_timeout = timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, Handler)
        self._lock = threading.Lock()
        self._checked = time.monotonic()

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def current(self):
        """The loaded knowledge base, reloaded when CURRENT points at a newer build."""
        from .search import KnowledgeBase

        now = time.monotonic()
        if now - self._checked > 1.0:
            with self._lock:
                self._checked = now
                build = store.current_build(self.index_dir)
                if build is not None and build.resolve() != self.kb.build_dir.resolve():
                    self.kb = KnowledgeBase.load(self.index_dir, embedder=self.embedder)
        return self.kb


class Handler(BaseHTTPRequestHandler):
    server: KBServer

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # socket timeout for reading the request (StreamRequestHandler)
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        params = {k: v for k, v in parse_qs(url.query).items()}
        try:
            if url.path == "/health":
                kb = self.server.current()
                self._send(200, {"status": "ok", "build": kb.build_id, "documents": len(kb.documents),
                                 "clauses": len(kb.clauses), "dense": kb.has_dense})
            elif url.path == "/search":
                kb = self.server.current()
                q = params.get("q", [""])[0]
                k = max(1, min(MAX_K, int(params.get("k", ["10"])[0])))
                filters = Filters(levels=params.get("level", []), topics=params.get("topic", []),
                                  documents=params.get("doc", []), regions=params.get("region", []),
                                  statuses=params.get("status", []))
                t = time.perf_counter()
                ans = kb.answer(q, k=k, filters=filters, drop_cues=params.get("ignore", []))
                body = ans.to_dict()
                if params.get("weak", ["0"])[0] not in ("1", "true", "yes"):
                    body.pop("weak")  # weaker candidates only on request, never beside the hits
                self._send(200, {"took_ms": round((time.perf_counter() - t) * 1000, 2), **body})
            else:
                self._send(404, {"error": "未知路径；可用 /search?q=… 和 /health"})
        except (KBError, ValueError) as e:
            self._send(400, {"error": str(e)})

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # quiet: a load test makes thousands of requests
        pass


def serve(index_dir: Path, host: str = "127.0.0.1", port: int = 8502, embedder=None) -> KBServer:
    return KBServer((host, port), index_dir, embedder)
