"""Files the reader may not open: a rules.yaml the service user cannot read, and `rules check` run
by an admin who is not root and cannot look into the credential stores.

Root reads every file, so as root each check runs with the effective user and group nobody (root
takes its own back afterwards); otherwise it runs as it is, on files made unreadable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from monitor.config.load import check_rules
from monitor.config.secretcheck import locate_secret
from monitor.errors import SecretError

NOBODY = 65534


@contextmanager
def _not_root() -> Iterator[None]:
    """The block runs as a user `chmod 000` keeps out: as is, or as nobody when we are root."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_load_rules_a_file_the_service_user_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("admin:\n  - {name: drift, kind: email, to: [drift@example.no]}\n", encoding="utf-8")
    path.chmod(0o000)
    with _not_root():
        problems = check_rules(path, environ={})
    assert problems == [f"{path}: permission denied (make it readable by the service user)"]


def test_locate_secret_names_the_credential_stores_it_cannot_look_into(tmp_path: Path) -> None:
    locked, encrypted = tmp_path / "credstore", tmp_path / "credstore.encrypted"
    for store in (locked, encrypted):
        store.mkdir()
        store.chmod(0o000)

    with _not_root(), pytest.raises(SecretError) as raised:
        stores = (locked, encrypted)
        locate_secret("cred:smtp-password", environ={}, credstores=stores, environment_files=())
    assert str(raised.value) == (
        f"cred:smtp-password: no credential smtp-password in {locked} (plain or .encrypted); "
        f"cannot look into {locked}, {encrypted}: run as root or use --offline "
        "(write it: (umask 077; cat > /etc/credstore/smtp-password), "
        "and add 'LoadCredential=smtp-password' to the unit)"
    )
