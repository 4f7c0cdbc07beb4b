"""Files the reader may not open: a rules.yaml the service user cannot read, and `rules check` run
by an admin who is not root and cannot look into the credential stores.

Root reads every file, so as root each check runs in a forked child that has dropped to the user
nobody; otherwise it runs here on files made unreadable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from monitor.config.load import check_rules
from monitor.config.secretcheck import locate_secret
from monitor.errors import SecretError

NOBODY = 65534


def _as_nobody(action: Callable[[], str]) -> str:
    """What `action` returns when run by a user who may not read `0o000` files (nobody, if we are root)."""
    if os.geteuid() != 0:
        return action()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        answer = b"child failed"
        try:
            os.close(read)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            answer = action().encode()
        finally:
            os.write(write, answer)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer_bytes = pipe.read()
    os.waitpid(child, 0)
    return answer_bytes.decode()


def test_load_rules_a_file_the_service_user_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("admin:\n  - {name: drift, kind: email, to: [drift@example.no]}\n", encoding="utf-8")
    path.chmod(0o000)
    problems = _as_nobody(lambda: "\n".join(check_rules(path, environ={})))
    assert problems == f"{path}: permission denied (make it readable by the service user)"


def test_locate_secret_names_the_credential_stores_it_cannot_look_into(tmp_path: Path) -> None:
    locked, encrypted = tmp_path / "credstore", tmp_path / "credstore.encrypted"
    for store in (locked, encrypted):
        store.mkdir()
        store.chmod(0o000)

    def locate() -> str:
        try:
            stores = (locked, encrypted)
            locate_secret("cred:smtp-password", environ={}, credstores=stores, environment_files=())
        except SecretError as error:
            return str(error)
        return "found"

    assert _as_nobody(locate) == (
        f"cred:smtp-password: no credential smtp-password in {locked} (plain or .encrypted); "
        f"cannot look into {locked}, {encrypted}: run as root or use --offline "
        "(write it: (umask 077; cat > /etc/credstore/smtp-password), "
        "and add 'LoadCredential=smtp-password' to the unit)"
    )
