"""The shared part of the HTTP stand-ins: a LocalServer, forced failures, a delay, a lock."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any, Self

from monitor.demo.localserver import LocalServer, Response

JSON_TYPE = "application/json; charset=utf-8"


class HttpReceiver:
    """Shared parts: a LocalServer, forced failures, a delay, a lock around what was received."""

    def __init__(self) -> None:
        # LocalServer already treats a client that hangs up (after `delay`) as normal.
        self.server = LocalServer()
        self.delay = 0.0
        self.rejections: list[str] = []
        self._forced: dict[str, deque[Response]] = {}
        self._arrivals: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget what was received and every pending failure; answer at once again."""
        with self._lock:
            self.delay = 0.0
            self.rejections.clear()
            self._forced.clear()
            self._arrivals.clear()

    def arrivals(self, endpoint: str | None = None) -> list[float]:
        """`time.monotonic()` of every request that arrived (to `endpoint`, or any), in order;
        forced failures included, since a rate limit counts every request."""
        with self._lock:
            return [at for name, at in self._arrivals if endpoint is None or name == endpoint]

    def _force(self, endpoint: str, response: Response, times: int) -> None:
        with self._lock:
            self._forced.setdefault(endpoint, deque()).extend([response] * times)

    def _take_forced(self, endpoint: str) -> Response | None:
        """Note the request's arrival, wait `delay`, then the next forced failure, if any."""
        with self._lock:
            self._arrivals.append((endpoint, time.monotonic()))
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            queue = self._forced.get(endpoint)
            return queue.popleft() if queue else None

    def _reject(self, status: int, reason: str, body: bytes | None = None) -> Response:
        with self._lock:
            self.rejections.append(reason)
        return Response(status, reason.encode() if body is None else body)


def json_response(status: int, data: dict[str, Any]) -> Response:
    return Response(status, json.dumps(data).encode(), JSON_TYPE)
