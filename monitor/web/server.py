"""The read-only HTTP server of the status page: `/` (HTML) and `/status.json` (its JSON twin).

GET and HEAD only; every other method is 405 with `Allow: GET, HEAD`. Every answer is built
fresh from `overview()` (the daemon passes a function that reads the database as of now), with
`Cache-Control: no-store` and a Content-Security-Policy that allows no scripts at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from monitor.listen import Listening, start
from monitor.web.page import render_page
from monitor.web.view import Overview, to_json

logger = logging.getLogger(__name__)

#: A browser that stops sending mid-request must not hold a thread forever.
REQUEST_TIMEOUT_SECONDS = 10.0
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


#: A running status page; `url` is its base, `stop()` shuts it down.
WebServer = Listening


def serve(listen: str, overview: Callable[[], Overview]) -> WebServer:
    """Serve the status page on `listen` (port 0 picks a free one). Raises UserError when the
    address is malformed or cannot be bound."""
    running = start(listen, "settings.web_listen", "'127.0.0.1:8080'", _make_handler(overview), "web")
    logger.info("status page at %s/ (JSON at %s/status.json)", running.url, running.url)
    return running


def _make_handler(overview: Callable[[], Overview]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = REQUEST_TIMEOUT_SECONDS
        server_version = "driftsvarsel"
        sys_version = ""

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path not in ("/", "/index.html", "/status.json"):
                self._reply(404, "Siden finnes ikke. Prøv / eller /status.json.\n".encode(), TEXT)
                return
            try:
                view = overview()
            except Exception:  # a broken read is a 500 for this request, never a dead server
                logger.exception("status page: could not read the state")
                self._reply(500, "Klarte ikke å lese tilstanden; se loggen.\n".encode(), TEXT)
                return
            if path == "/status.json":
                self._reply(200, json.dumps(to_json(view), ensure_ascii=False, indent=1).encode(), JSON)
            else:
                self._reply(200, render_page(view).encode(), HTML)

        def do_HEAD(self) -> None:
            self.do_GET()

        def not_allowed(self) -> None:
            self._reply(405, b"Siden kan bare leses (GET).\n", TEXT, {"Allow": "GET, HEAD"})

        def __getattr__(self, name: str) -> Any:
            # http.server looks up do_<METHOD>: every method but GET and HEAD is 405, not 501.
            if name.startswith("do_"):
                return self.not_allowed
            raise AttributeError(name)

        def _reply(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in {**HEADERS, **(extra or {}), "Content-Type": content_type}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("%s %s", self.address_string(), format % args)

    return Handler
