"""The daemon starts without what only some configurations use (issue 14: lazy imports, P3 memory).

A fresh interpreter imports the daemon and the CLI the way `driftsvarsel run` does; the heavy
libraries that only a Maskinporten probe (cryptography, PyJWT), a source of a kind (feedparser,
BeautifulSoup) or a TLS certificate check needs must not be loaded yet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAZY = ("cryptography", "jwt", "feedparser", "bs4")


def test_daemon_and_cli_start_without_the_libraries_only_some_configurations_use() -> None:
    code = (
        "import json, sys\n"
        "import monitor.service.daemon, monitor.cli.main\n"
        f"print(json.dumps([name for name in {list(LAZY)!r} if name in sys.modules]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO, check=False
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []
