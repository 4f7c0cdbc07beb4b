"""`rules check` resolves every env:/cred: reference and reports the missing ones as file:line problems."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.rules import check_report
from monitor.config.load import load_rules
from monitor.config.secretcheck import locate_secret, secret_uses, unresolved_secrets
from monitor.config.secrets import resolve_secret
from monitor.errors import SecretError

REPO = Path(__file__).resolve().parent.parent

RULES = """\
settings:
  smtp:
    host: smtp.example.no
    username: driftsvarsel
    password: cred:smtp-password
    sender: driftsvarsel@example.no
kommuner:
  - kommunenummer: "0301"
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - name: slack
        kind: slack_webhook
        webhook: env:OSLO_SLACK_WEBHOOK
        fallback: epost
      - {name: epost, kind: email, to: [drift@oslo.kommune.example]}
admin:
  - {name: teams, kind: teams, webhook: "cred:admin-teams-webhook"}
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_secret_uses_lists_every_reference_with_line_and_channels(tmp_path: Path) -> None:
    uses = secret_uses(load_rules(_write(tmp_path), environ={}))
    assert [(use.line, use.path, use.ref, use.channels) for use in uses] == [
        (5, "settings.smtp.password", "cred:smtp-password", (("0301", "epost"),)),
        (13, "kommuner[0].channels[0].webhook", "env:OSLO_SLACK_WEBHOOK", (("0301", "slack"),)),
        (17, "admin[0].webhook", "cred:admin-teams-webhook", (("admin", "teams"),)),
    ]


def test_check_report_missing_env_and_cred_are_file_line_problems(tmp_path: Path) -> None:
    path = _write(tmp_path)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "smtp-password").write_text("s3cret-value\n", encoding="utf-8")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials)}

    ok, lines = check_report(
        path, locate=lambda ref: locate_secret(ref, environ=environ, environment_files=())
    )
    assert not ok
    assert len(lines) == 3 and lines[-1] == f"{path}: 2 problems"
    assert lines[0] == (
        f"{path}:13: kommuner[0].channels[0].webhook: env:OSLO_SLACK_WEBHOOK: the environment variable "
        "OSLO_SLACK_WEBHOOK is not set (set it for the service: 'Environment=OSLO_SLACK_WEBHOOK=...' "
        "or an EnvironmentFile= in the systemd unit)"
    )
    assert lines[1].startswith(f"{path}:17: admin[0].webhook: cred:admin-teams-webhook: no credential ")
    assert "LoadCredential=admin-teams-webhook" in lines[1]
    assert "s3cret-value" not in "\n".join(lines)


def test_check_report_ok_when_everything_resolves_and_offline_skips(tmp_path: Path) -> None:
    path = _write(tmp_path)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    for name in ("smtp-password", "admin-teams-webhook"):
        (credentials / name).write_text("value", encoding="utf-8")
    environ = {"CREDENTIALS_DIRECTORY": str(credentials), "OSLO_SLACK_WEBHOOK": "https://hooks.example/x"}

    ok, lines = check_report(path, locate=lambda ref: resolve_secret(ref, environ=environ))
    assert ok and lines == [
        f"{path}: OK (1 kommune, 2 channels, 1 admin channel, 4 sources; every secret reference resolves)"
    ]
    ok, lines = check_report(path, offline=True, locate=lambda ref: resolve_secret(ref, environ={}))
    assert ok and lines[0].endswith("secrets not checked: --offline)")


def test_locate_secret_looks_in_credstores_and_the_environment_file(tmp_path: Path) -> None:
    store = tmp_path / "credstore"
    store.mkdir()
    (store / "smtp-password").write_text("x", encoding="utf-8")
    (store / "empty").write_text("", encoding="utf-8")
    environment = tmp_path / "environment"
    environment.write_text(
        "# comment\nOSLO_SLACK_WEBHOOK=https://hooks.example/x\nEMPTY=\n", encoding="utf-8"
    )

    def locate(ref: str) -> None:
        locate_secret(ref, environ={}, credstores=(store,), environment_files=(environment,))

    locate("cred:smtp-password")
    locate("env:OSLO_SLACK_WEBHOOK")
    failures = []
    for ref in ("cred:empty", "cred:missing", "env:EMPTY", "env:MISSING"):
        try:
            locate(ref)
        except SecretError as error:
            failures.append(str(error))
    assert len(failures) == 4
    assert failures[0].endswith("is empty (write the secret into it)")
    assert failures[1].startswith(f"cred:missing: no credential missing in {store} (write it:")
    assert failures[2].startswith("env:EMPTY: the environment variable EMPTY is not set")
    assert failures[3].startswith("env:MISSING: the environment variable MISSING is not set")


def test_unresolved_secrets_of_a_file_without_references_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES.split("admin:")[0]
        .replace("webhook: env:OSLO_SLACK_WEBHOOK", "webhook: env:X")
        .replace("    username: driftsvarsel\n    password: cred:smtp-password\n", ""),
        encoding="utf-8",
    )
    rules = load_rules(path, environ={})
    problems = unresolved_secrets(rules, lambda ref: resolve_secret(ref, environ={"X": "https://h.example/"}))
    assert problems == []


def test_cli_rules_check_reports_missing_secrets_and_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "admin-teams-webhook").write_text("value", encoding="utf-8")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("OSLO_SLACK_WEBHOOK", "CREDENTIALS_DIRECTORY")
    }
    environment["CREDENTIALS_DIRECTORY"] = str(credentials)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", "rules", "check", *args, str(path)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=environment,
            timeout=60,
            check=False,
        )

    result = run()
    assert result.returncode == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0:2] for line in lines] == [
        [f"{path}:5", "settings.smtp.password"],
        [f"{path}:13", "kommuner[0].channels[0].webhook"],
        [f"{path}", "2 problems"],
    ]
    offline = run("--offline")
    assert offline.returncode == 0 and "secrets not checked: --offline" in offline.stdout


def test_secret_uses_include_the_maskinporten_credentials_when_enabled(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    probes = (
        "probes:\n  environments: [test]\n  maskinporten:\n    enabled: true\n"
        "    client_id: 00000000-0000-0000-0000-000000000000\n    key_credential: mp-key.pem\n"
    )
    path.write_text(RULES + probes, encoding="utf-8")
    uses = secret_uses(load_rules(path, environ={}))
    assert [(use.line, use.path, use.ref) for use in uses if use.path.startswith("probes")] == [
        # The certificate keeps its default name, so it points at the line that enables the probe.
        (21, "probes.maskinporten.certificate_credential", "cred:maskinporten-cert.pem"),
        (23, "probes.maskinporten.key_credential", "cred:mp-key.pem"),
    ]


def test_daemon_health_and_admin_text_name_channels_and_count_the_rest(tmp_path: Path) -> None:
    from monitor.service.secretwatch import admin_text, broken_channels, health

    numbers = ("0301", "4601", "5501", "1103", "3301", "4204", "5001")
    kommuner = "".join(
        f'  - kommunenummer: "{number}"\n    rettighetspakker: [kommuneForeldrebetaling]\n'
        f"    channels:\n      - {{name: epost, kind: email, to: [drift@k{number}.example]}}\n"
        for number in numbers
    )
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.split("kommuner:")[0] + "kommuner:\n" + kommuner, encoding="utf-8")
    rules = load_rules(path, environ={})
    (problem,) = unresolved_secrets(rules, lambda ref: resolve_secret(ref, environ={}))
    assert sorted(broken_channels([problem])) == [(number, "epost") for number in sorted(numbers)]

    healthy, text = health((True, "ok: last good poll 1m ago"), [problem])
    assert not healthy
    assert text == (
        "degraded: secret missing: cred:smtp-password (settings.smtp.password; channels "
        "0301/epost, 4601/epost, 5501/epost, 1103/epost, 3301/epost and 2 more)\nok: last good poll 1m ago"
    )
    assert health((True, "ok"), []) == (True, "ok")
    subject, body = admin_text(rules, [problem])
    assert subject == "1 hemmelighet i rules.yaml kan ikke leses"
    assert f"- cred:smtp-password ({path}:5, settings.smtp.password)" in body
    assert "  kanalen «epost» for Oslo (0301): varsler har ingen reservekanal\n" in body
    assert body.count("har ingen reservekanal") == 5 and "  og 2 kanaler til" in body


def test_secret_uses_of_a_file_gone_since_loading_point_at_the_channel_lines(tmp_path: Path) -> None:
    path = _write(tmp_path)
    rules = load_rules(path, environ={})
    path.unlink()  # replaced or removed while the daemon runs: the lines come from the loaded rules
    uses = secret_uses(rules)
    assert [(use.line, use.path, use.ref) for use in uses] == [
        (1, "settings.smtp.password", "cred:smtp-password"),
        (11, "kommuner[0].channels[0].webhook", "env:OSLO_SLACK_WEBHOOK"),
        (17, "admin.channels[0].webhook", "cred:admin-teams-webhook"),
    ]


def test_locate_secret_reads_the_process_environment_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTSVARSEL_TEST_WEBHOOK", "https://hooks.example/x")
    monkeypatch.delenv("DRIFTSVARSEL_TEST_MISSING", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    locate_secret("env:DRIFTSVARSEL_TEST_WEBHOOK", credstores=(), environment_files=())
    with pytest.raises(SecretError, match="^env:DRIFTSVARSEL_TEST_MISSING: the environment variable "):
        locate_secret("env:DRIFTSVARSEL_TEST_MISSING", credstores=(), environment_files=())


def test_locate_secret_environment_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    environment = tmp_path / "environment"
    environment.write_bytes(b"OSLO_SLACK_WEBHOOK=\xff\xfe\n")
    with pytest.raises(SecretError) as raised:
        locate_secret("env:OSLO_SLACK_WEBHOOK", environ={}, environment_files=(environment,))
    assert str(raised.value) == (
        f"env:OSLO_SLACK_WEBHOOK: OSLO_SLACK_WEBHOOK is not set here and {environment} cannot be read "
        "(UnicodeDecodeError; run as root or use --offline)"
    )
