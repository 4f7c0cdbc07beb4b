"""The status page (monitor/web): HTML and its JSON twin over loopback HTTP, read-only (405),
served by the daemon when settings.web_listen is set, and rendered by headless Chromium."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from web_state import NOW, PROBED, RECENT_NOTICES, build

from monitor.config.types import Rules
from monitor.service.daemon import Daemon
from monitor.web import WebServer, serve
from monitor.web.view import read_overview

CHROMIUM = Path("/usr/bin/chromium")
HEADINGS = [
    "Driftsstatus for Skatteetatens delingstjenester",
    "Pågående feil og nedetid",
    "Varslet vedlikehold",
    "API-ene",
    "Siste varsler",
    "Levering til kommunene",
    "Kildene",
]


@pytest.fixture
def state(tmp_path: Path) -> Rules:
    rules, db = build(tmp_path)
    db.conn.close()
    return rules


@pytest.fixture
def site(state: Rules) -> Iterator[WebServer]:
    server = serve("127.0.0.1:0", lambda: read_overview(state.settings.database, state, NOW))
    yield server
    server.stop()


def test_page_shows_every_section_in_norwegian(site: WebServer) -> None:
    answer = httpx.get(site.url + "/", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    html = answer.text
    assert html.startswith('<!DOCTYPE html>\n<html lang="nb">')
    assert '<meta http-equiv="refresh" content="60">' in html and "<script" not in html
    assert re.findall(r"<h[12]>(.*?)</h[12]>", html) == HEADINGS
    current = html.split("<h2>Pågående feil og nedetid</h2>")[1].split("</section>")[0]
    assert "Driftsproblemer Inntekt API" in current and "Nedetid (uplanlagt) · Inntekt API" in current
    planned = html.split("<h2>Varslet vedlikehold</h2>")[1].split("</section>")[0]
    assert "Tidsrom: onsdag 21.08.2024 kl. 18:00 – onsdag 21.08.2024 kl. 20:00" in planned
    assert html.count('role="img" aria-label="Siste 7 døgn – ') == PROBED
    assert "18.08: 75 % oppe; 19.08: 100 % oppe" in html  # the Inntekt outage: 2 of 8 probes down
    recent = html.split("<h2>Siste varsler</h2>")[1].split("</section>")[0]
    assert (
        recent.count("<tr><td>") == RECENT_NOTICES and "Vis 6 grunner" in recent
    )  # 5 of the rules, 1 of the model
    assert "<td>Oslo (0301)</td><td>1</td>" in html and "SMTP 550 ukjent mottaker" in html
    assert "Feiler (3 ganger)" in html and "HTTP 503 from 127.0.0.1" in html


def test_json_twin_has_the_same_content(site: WebServer) -> None:
    answer = httpx.get(site.url + "/status.json", timeout=10)
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    data = answer.json()
    assert [n["title"] for n in data["current"]] == ["Driftsproblemer Inntekt API"]
    assert [n["window_start"] for n in data["maintenance"]] == ["2024-08-21T18:00"]
    assert len(data["recent"]) == RECENT_NOTICES and len(data["probes"]) == PROBED
    assert data["deliveries"] == [
        {"kommune": "0301", "pending": 1, "failing": 1, "dead": 1, "last_error": "SMTP 550 ukjent mottaker"}
    ]
    assert [(s["name"], s["ok"], s["failures"]) for s in data["sources"]] == [
        ("status-incidents", True, 0),
        ("status-betterstack", False, 3),
    ]
    assert data["now"] == "2024-08-20T10:00:00+00:00"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE"])
def test_every_method_but_get_is_405(site: WebServer, method: str) -> None:
    answer = httpx.request(method, site.url + "/", content=b"x", timeout=10)
    assert (answer.status_code, answer.headers["allow"]) == (405, "GET, HEAD")
    assert answer.text == "Siden kan bare leses (GET).\n"


def test_unknown_path_is_404_and_head_has_no_body(site: WebServer) -> None:
    assert httpx.get(site.url + "/admin", timeout=10).status_code == 404
    head = httpx.head(site.url + "/status.json", timeout=10)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 100
    assert "script-src" not in head.headers["content-security-policy"]  # default-src 'none' forbids scripts


def test_daemon_serves_the_page_when_web_listen_is_set(state: Rules) -> None:
    rules = replace(state, settings=replace(state.settings, web_listen="127.0.0.1:0"))
    daemon = Daemon(rules.path, rules=rules, now_fn=lambda: NOW)
    daemon._start_web()
    assert daemon.web_server is not None
    try:
        data = httpx.get(daemon.web_server.url + "/status.json", timeout=10).json()
    finally:
        daemon.web_server.stop()
    assert [n["title"] for n in data["current"]] == ["Driftsproblemer Inntekt API"]
    off = Daemon(state.path, rules=state)
    off._start_web()
    assert off.web_server is None  # web_listen is off by default


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the decompressed pixel data) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_page_in_headless_chromium(site: WebServer, tmp_path: Path) -> None:
    shot = tmp_path / "status-page.png"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
        "--window-size=412,1800", f"--screenshot={shot}", "--dump-dom", site.url + "/",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert re.findall(r"<h[12]>(.*?)</h[12]>", dom) == HEADINGS
    assert '<html lang="nb">' in dom and "Driftsproblemer Inntekt API" in dom
    assert dom.count('role="img"') == PROBED
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line]
    assert console == []
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (412, 1800) and colours > 50


def test_web_command_serves_a_database_without_the_daemon(state: Rules) -> None:
    repo = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "monitor", "web", "--rules", str(state.path), "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=repo)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the server listens
        url = re.match(r"status page at (\S+)/ ", first)
        assert url is not None, first
        answer = httpx.get(url.group(1) + "/status.json", timeout=10)
        assert [s["name"] for s in answer.json()["sources"]] == ["status-incidents", "status-betterstack"]
        assert httpx.post(url.group(1) + "/", timeout=10).status_code == 405
    finally:
        process.terminate()
        process.wait(timeout=30)
