"""The status page for people: what the daemon knows, as server-rendered HTML and a JSON twin.

`view` gathers an `Overview` from the database and the rules (read-only); `page` renders it as
Norwegian HTML (small inline stylesheet, no JavaScript, meta refresh); `server` serves `/` and
`/status.json` on `settings.web_listen`, answers every method but GET and HEAD with 405, and
never changes state. Nothing here sends, fetches or writes.
"""

from monitor.web.server import WebServer, serve

__all__ = ["WebServer", "serve"]
