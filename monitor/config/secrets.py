"""Secret references: `env:NAME` (an environment variable) and `cred:NAME` (a systemd credential).

rules.yaml never holds a secret itself, only a reference; it is resolved here, at the edge, just
before a delivery. systemd passes credentials (`LoadCredential=NAME:/path`,
`LoadCredentialEncrypted=`, `SetCredential=`) as files in `$CREDENTIALS_DIRECTORY`. Error messages
name the reference and how to provide it, never the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from monitor.errors import SecretError
from monitor.redact import register_secret

ENV_PREFIX = "env:"
CRED_PREFIX = "cred:"
CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# systemd credential names: no "/" and not "." or ".." (they name a file in one directory).
_CRED_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*")


def is_secret_ref(value: str) -> bool:
    """True when `value` is a well-formed `env:NAME` or `cred:NAME` reference."""
    if value.startswith(ENV_PREFIX):
        return _ENV_NAME.fullmatch(value[len(ENV_PREFIX) :]) is not None
    if value.startswith(CRED_PREFIX):
        return _CRED_NAME.fullmatch(value[len(CRED_PREFIX) :]) is not None
    return False


def resolve_secret(ref: str, *, environ: Mapping[str, str] | None = None) -> str:
    """The secret that `ref` points to, with surrounding whitespace stripped.

    `environ` defaults to `os.environ`. Raises SecretError when the reference is malformed, the
    variable or credential is missing, or it is empty.
    """
    environ = os.environ if environ is None else environ
    if not is_secret_ref(ref):
        # The "reference" may be the secret itself: never repeat it.
        raise SecretError(
            "a secret must be a reference 'env:NAME' or 'cred:NAME', not the secret itself "
            "(put the value in an environment variable or a systemd credential)"
        )
    if ref.startswith(ENV_PREFIX):
        value = _from_environment(ref, ref[len(ENV_PREFIX) :], environ)
    else:
        value = _from_credential(ref, ref[len(CRED_PREFIX) :], environ)
    register_secret(value)  # from now on the log filter masks it wherever it might appear
    return value


def _from_environment(ref: str, name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name)
    if value is None:
        raise SecretError(
            f"{ref}: the environment variable {name} is not set "
            f"(set it for the service: 'Environment={name}=...' or an EnvironmentFile= in the systemd unit)"
        )
    if not value.strip():
        raise SecretError(f"{ref}: the environment variable {name} is empty (give it the secret's value)")
    return value.strip()


def _from_credential(ref: str, name: str, environ: Mapping[str, str]) -> str:
    directory = environ.get(CREDENTIALS_DIRECTORY)
    if not directory:
        raise SecretError(
            f"{ref}: ${CREDENTIALS_DIRECTORY} is not set, so the systemd credential {name} cannot be read "
            f"(add 'LoadCredential={name}:/path/to/file' to the service, or use env:NAME instead)"
        )
    path = Path(directory) / name
    try:
        value = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretError(
            f"{ref}: no credential {name} in ${CREDENTIALS_DIRECTORY} ({directory}) "
            f"(add 'LoadCredential={name}:/path/to/file' or 'SetCredential={name}:...' to the service)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SecretError(f"{ref}: cannot read credential file {path}: {type(error).__name__}") from None
    if not value.strip():
        raise SecretError(f"{ref}: the credential file {path} is empty (write the secret into it)")
    return value.strip()
