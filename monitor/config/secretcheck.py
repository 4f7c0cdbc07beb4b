"""Secrets checked before they are needed: every `env:`/`cred:` reference of validated rules.

`secret_uses` lists where rules.yaml references a secret (path, line, and the channels that
need it); `unresolved_secrets` tries each with a resolver and returns the ones that fail. The
daemon resolves for real (`resolve_secret`, its own environment and credentials); `rules check`
runs in an admin's shell, where the service's environment is absent, so `locate_secret` also
looks where systemd would find them (the unit's EnvironmentFile= and /etc/credstore...).
Messages name the reference and how to provide it, never a value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from monitor.config.parse import Checker, compose_file, scalars
from monitor.config.secrets import CRED_PREFIX, CREDENTIALS_DIRECTORY, ENV_PREFIX, resolve_secret
from monitor.config.types import ChannelConfig, Rules
from monitor.errors import SecretError

#: Where `LoadCredential=NAME` / `LoadCredentialEncrypted=NAME` look for a bare NAME (systemd.exec(5)).
CREDSTORES = tuple(
    Path(f"{base}/credstore{suffix}")
    for base in ("/etc", "/run", "/usr/lib")
    for suffix in ("", ".encrypted")
)
#: The shipped unit's `EnvironmentFile=-/etc/driftsvarsel/environment`.
ENVIRONMENT_FILES = (Path("/etc/driftsvarsel/environment"),)
_ASSIGNMENT = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")

#: A channel that needs a secret: (kommunenummer or "admin", channel name).
ChannelKey = tuple[str, str]
Resolver = Callable[[str], object]


@dataclass(frozen=True)
class SecretUse:
    """One reference in rules.yaml: where it is and which channels cannot send without it."""

    ref: str
    path: str
    line: int
    channels: tuple[ChannelKey, ...] = ()


@dataclass(frozen=True)
class SecretProblem:
    """A reference that did not resolve; `message` names it and how to provide it."""

    use: SecretUse
    message: str

    def located(self, file: Path | str) -> str:
        """ "file:line: path: problem (fix)", as every rules problem reads."""
        return f"{file}:{self.use.line}: {self.use.path}: {self.message}"


def secret_uses(rules: Rules) -> list[SecretUse]:
    """Every secret reference in `rules`, in file order (lines read again from `rules.path`)."""
    lines = _scalar_lines(rules.path)
    uses: list[SecretUse] = []
    for index, kommune in enumerate(rules.kommuner):
        for position, channel in enumerate(kommune.channels):
            paths: tuple[str, ...] = (f"kommuner[{index}].channels[{position}]",)
            uses.extend(_channel_use(channel, kommune.number, paths, lines))
    for position, channel in enumerate(rules.admin):
        paths = (f"admin.channels[{position}]", f"admin[{position}]")
        uses.extend(_channel_use(channel, "admin", paths, lines))
    smtp = rules.settings.smtp
    if smtp.password:
        mailers = tuple(
            (number, channel.name)
            for number, channels in _all_channels(rules)
            for channel in channels
            if channel.kind == "email"
        )
        uses.append(
            SecretUse(
                smtp.password, "settings.smtp.password", _line(lines, "settings.smtp.password"), mailers
            )
        )
    maskinporten = rules.probes.maskinporten
    if rules.probes.enabled and maskinporten.enabled:
        for key in ("key_credential", "certificate_credential"):
            name = getattr(maskinporten, key)
            path = f"probes.maskinporten.{key}"
            if name:
                # A default credential name is not written in the file: point at `enabled: true`.
                line = _line(lines, path, "probes.maskinporten.enabled")
                uses.append(SecretUse(f"{CRED_PREFIX}{name}", path, line))
    return sorted(uses, key=lambda use: use.line)


def unresolved_secrets(rules: Rules, resolve: Resolver = resolve_secret) -> list[SecretProblem]:
    """The references `resolve` cannot resolve (it raises SecretError for those)."""
    problems = []
    for use in secret_uses(rules):
        try:
            resolve(use.ref)
        except SecretError as error:
            problems.append(SecretProblem(use, str(error)))
    return problems


def locate_secret(
    ref: str,
    *,
    environ: Mapping[str, str] | None = None,
    credstores: Sequence[Path] = CREDSTORES,
    environment_files: Sequence[Path] = ENVIRONMENT_FILES,
) -> None:
    """Check that `ref` will resolve for the service, from a shell that is not the service.

    An env: reference counts when set here or assigned in one of `environment_files`; a cred:
    reference reads $CREDENTIALS_DIRECTORY when set, else must exist in one of `credstores`.
    Raises SecretError saying where it looked and how to provide it; never reads out a value.
    """
    environ = os.environ if environ is None else environ
    if ref.startswith(CRED_PREFIX) and not environ.get(CREDENTIALS_DIRECTORY):
        _find_credential(ref, ref[len(CRED_PREFIX) :], credstores)
        return
    if ref.startswith(ENV_PREFIX):
        name = ref[len(ENV_PREFIX) :]
        if name not in environ and _assigned(name, environment_files, ref):
            return
    resolve_secret(ref, environ=environ)


def _find_credential(ref: str, name: str, credstores: Sequence[Path]) -> None:
    denied = []
    for directory in credstores:
        try:
            size = (directory / name).stat().st_size
        except FileNotFoundError:
            continue
        except PermissionError:
            denied.append(str(directory))
            continue
        except OSError:
            continue
        if size == 0:
            raise SecretError(
                f"{ref}: the credential file {directory / name} is empty (write the secret into it)"
            )
        return
    plain = [str(directory) for directory in credstores if directory.suffix != ".encrypted"]
    places = ", ".join(plain) + (" (plain or .encrypted)" if len(plain) < len(credstores) else "")
    places = places or "no credential store"
    hint = f"; cannot look into {', '.join(denied)}: run as root or use --offline" if denied else ""
    raise SecretError(
        f"{ref}: no credential {name} in {places}{hint} "
        f"(write it: (umask 077; cat > /etc/credstore/{name}), and add 'LoadCredential={name}' to the unit)"
    )


def _assigned(name: str, files: Sequence[Path], ref: str) -> bool:
    """True when one of `files` assigns `name` a non-empty value (systemd EnvironmentFile syntax)."""
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as error:
            raise SecretError(
                f"{ref}: {name} is not set here and {path} cannot be read ({type(error).__name__}; "
                "run as root or use --offline)"
            ) from None
        for line in text.splitlines():
            match = _ASSIGNMENT.fullmatch(line)
            if match and match.group(1) == name and match.group(2).strip("'\""):
                return True
    return False


def _channel_use(
    channel: ChannelConfig, owner: str, paths: tuple[str, ...], lines: dict[str, int]
) -> list[SecretUse]:
    if not channel.secret:
        return []
    key = "token" if channel.kind == "slack_bot" else "webhook"
    path = next((f"{base}.{key}" for base in paths if f"{base}.{key}" in lines), f"{paths[0]}.{key}")
    return [SecretUse(channel.secret, path, lines.get(path, channel.line), ((owner, channel.name),))]


def _all_channels(rules: Rules) -> list[tuple[str, tuple[ChannelConfig, ...]]]:
    return [(kommune.number, kommune.channels) for kommune in rules.kommuner] + [("admin", rules.admin)]


def _scalar_lines(path: Path) -> dict[str, int]:
    """YAML path → line of every scalar in the file; {} when it cannot be read again."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    root: Node | None = compose_file(Checker(str(path)), text)
    if root is None:
        return {}
    return {where: node.start_mark.line + 1 for node, where in scalars(root)}


def _line(lines: dict[str, int], *paths: str) -> int:
    """The line of the first of `paths` written in the file (1 when none is)."""
    return next((lines[path] for path in paths if path in lines), 1)
