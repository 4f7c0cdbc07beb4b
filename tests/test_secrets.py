"""monitor.config.secrets: env:NAME and cred:NAME references, errors that never show the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.secrets import is_secret_ref, resolve_secret
from monitor.errors import SecretError
from monitor.redact import redact


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


def test_resolve_secret_messages_name_the_reference_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as inline:
        resolve_secret("xoxb-123456789012-abcdefghijkl", environ={})
    assert str(inline.value) == (
        "a secret must be a reference 'env:NAME' or 'cred:NAME', not the secret itself "
        "(put the value in an environment variable or a systemd credential)"
    )
    with pytest.raises(SecretError) as missing:
        resolve_secret("cred:slack-token", environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert str(missing.value) == (
        f"cred:slack-token: no credential slack-token in $CREDENTIALS_DIRECTORY ({tmp_path}) "
        "(add 'LoadCredential=slack-token:/path/to/file' or 'SetCredential=slack-token:...' to the service)"
    )
    (tmp_path / "latin1").write_bytes("hemmelig-ø".encode("latin-1"))
    with pytest.raises(SecretError) as unreadable:
        resolve_secret("cred:latin1", environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert str(unreadable.value) == (
        f"cred:latin1: cannot read credential file {tmp_path / 'latin1'}: UnicodeDecodeError"
    )


def test_resolve_secret_value_is_masked_in_logs_from_then_on(tmp_path: Path) -> None:
    # A value that looks like no known token: only registering it can mask it.
    (tmp_path / "token").write_text("maskes-fra-naa-7731\n", encoding="utf-8")
    assert redact("sendte med maskes-fra-naa-7731") == "sendte med maskes-fra-naa-7731"
    value = resolve_secret("cred:token", environ={"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert value == "maskes-fra-naa-7731"
    assert "maskes-fra-naa-7731" not in redact(f"sendte med {value}")
