"""Signals as flags the daemon's main loop reads: SIGHUP asks for a reload, SIGTERM/SIGINT for a stop.

The handlers only set flags (doing work in a signal handler can deadlock with the main thread);
`signal.set_wakeup_fd` makes `wait()` return the moment a signal arrives.
"""

from __future__ import annotations

import select
import signal
import socket
from types import FrameType, TracebackType
from typing import Any


class SignalFlags:
    """`with SignalFlags() as flags: while not flags.stop: flags.wait(5); if flags.take_reload(): ...`"""

    def __init__(self) -> None:
        self.stop = False
        self.reload = False
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalFlags:
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        self._sockets = (reader, writer)
        # The C-level handler writes the signal number here, so select() returns at once.
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        wanted = {signal.SIGHUP: self._on_hup, signal.SIGTERM: self._on_term, signal.SIGINT: self._on_term}
        self._previous = {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        signal.set_wakeup_fd(-1)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        for sock in self._sockets or ():
            sock.close()
        self._sockets = None

    def wait(self, timeout: float) -> None:
        """Sleep until a signal arrives or `timeout` seconds pass."""
        if self._sockets is None:
            raise RuntimeError("SignalFlags.wait() outside its `with` block")
        reader = self._sockets[0]
        select.select([reader], [], [], timeout)
        try:
            while reader.recv(512):
                pass
        except BlockingIOError:
            pass

    def take_reload(self) -> bool:
        """True once per SIGHUP (and never once a stop was asked for)."""
        wanted = self.reload and not self.stop
        self.reload = False
        return wanted

    def _on_hup(self, signum: int, frame: FrameType | None) -> None:
        self.reload = True

    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        self.stop = True
