"""The shipped examples are safe to copy: no real mailboxes, and the unit loads what the rules use."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.config.load import load_rules
from monitor.config.secretcheck import secret_uses
from monitor.config.types import MaskinportenSettings

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules.yaml"
UNIT = REPO / "systemd" / "driftsvarsel.service"
ADDRESS = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")


def _reserved(domain: str) -> bool:
    return domain == "example.no" or domain.endswith(".example.no") or domain.endswith(".example")


def test_example_rules_mail_addresses_are_all_reserved_example_domains() -> None:
    text = RULES.read_text(encoding="utf-8")
    domains = [match.group(1) for match in ADDRESS.finditer(text)]
    assert len(domains) >= 6
    assert [domain for domain in domains if not _reserved(domain)] == []
    rules = load_rules(RULES, environ={})
    addresses = [a for k in rules.kommuner for c in k.channels for a in c.to] + [
        a for c in rules.admin for a in c.to
    ]
    assert len(addresses) == 5 and all(_reserved(address.split("@")[1]) for address in addresses)
    assert _reserved(rules.settings.smtp.sender.split("@")[1]) and _reserved(rules.settings.smtp.host)


def test_unit_load_credential_names_match_the_example_rules() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    loaded = set(re.findall(r"(?m)^LoadCredential(?:Encrypted)?=([^:\s]+)", unit))
    referenced = {
        use.ref.removeprefix("cred:")
        for use in secret_uses(load_rules(RULES, environ={}))
        if use.ref.startswith("cred:")
    }
    # The authenticated probe reads its key and certificate under these names by default.
    defaults = MaskinportenSettings()
    probe_credentials = {defaults.key_credential, defaults.certificate_credential}
    assert referenced == {"smtp-password", "bergen-teams-webhook"}
    assert loaded == referenced | probe_credentials


def test_gitignore_keeps_the_demo_directory_out() -> None:
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "driftsvarsel-demo/" in lines
