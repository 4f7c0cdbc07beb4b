"""monitor.config.secrets: env:NAME and cred:NAME references, errors that never show the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.secrets import is_secret_ref, resolve_secret
from monitor.errors import SecretError


def test_is_secret_ref_accepts_only_references() -> None:
    assert is_secret_ref("env:OSLO_SLACK_WEBHOOK")
    assert is_secret_ref("cred:smtp-password")
    assert not is_secret_ref("https://hooks.slack.com/services/T/B/x")
    assert not is_secret_ref("env:")
    assert not is_secret_ref("env:HAS-DASH")
    assert not is_secret_ref("cred:../etc/passwd")
    assert not is_secret_ref("cred:a/b")


def test_resolve_secret_reads_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTSVARSEL_TEST_HOOK", "  https://example.test/hook\n")
    assert resolve_secret("env:DRIFTSVARSEL_TEST_HOOK") == "https://example.test/hook"


def test_resolve_secret_missing_environment_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRIFTSVARSEL_MISSING", raising=False)
    with pytest.raises(SecretError, match="env:DRIFTSVARSEL_MISSING.*not set"):
        resolve_secret("env:DRIFTSVARSEL_MISSING")


def test_resolve_secret_reads_credential_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "smtp-password").write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert resolve_secret("cred:smtp-password") == "s3cret"


def test_resolve_secret_missing_credential_says_how_to_load_it(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="LoadCredential=smtp-password"):
        resolve_secret("cred:smtp-password", environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})


def test_resolve_secret_without_credentials_directory() -> None:
    with pytest.raises(SecretError, match=r"\$CREDENTIALS_DIRECTORY is not set"):
        resolve_secret("cred:smtp-password", environ={})


def test_resolve_secret_empty_values_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(SecretError, match="empty"):
        resolve_secret("cred:empty", environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    with pytest.raises(SecretError, match="empty"):
        resolve_secret("env:BLANK", environ={"BLANK": "  "})


def test_resolve_secret_never_repeats_an_inline_secret() -> None:
    inline = "https://hooks.slack.com/services/T000/B000/abcdefSECRET"
    with pytest.raises(SecretError) as caught:
        resolve_secret(inline)
    assert "SECRET" not in str(caught.value)
    assert "env:NAME" in str(caught.value)
