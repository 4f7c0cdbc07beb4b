"""monitor.config.load: rules.yaml → Rules, every problem at once as file:line: path: problem (fix)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from monitor.config.load import DEFAULT_SOURCES, check_rules, default_rules_path, load_rules
from monitor.config.types import ProbeSettings
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "rules"

SMTP = """
settings:
  smtp:
    host: 127.0.0.1
    port: 2525
    security: none
    sender: driftsvarsel@localhost
"""
KOMMUNE = """
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - name: epost
        kind: email
        to: drift@oslo.kommune.no
"""


def _write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    return check_rules(_write(tmp_path, text), environ={})


def _only(tmp_path: Path, text: str) -> str:
    problems = _problems(tmp_path, text)
    assert len(problems) == 1, problems
    return problems[0]


# --- the shipped file and the fixtures ------------------------------------------------------------


def test_load_rules_shipped_rules_yaml_is_valid() -> None:
    rules = load_rules(REPO / "rules.yaml", environ={})
    assert [(k.number, k.name) for k in rules.kommuner] == [
        ("0301", "Oslo"),
        ("4601", "Bergen"),
        ("5501", "Tromsø"),
    ]
    oslo, bergen, tromso = rules.kommuner
    assert oslo.apis == ("inntekt", "summertskattegrunnlag")
    assert "spesifisertsummertskattegrunnlag" in bergen.apis
    assert tromso.rettighetspakker == ("kommuneEiendomsskatt",)
    assert tromso.channels[0].environments == frozenset({"prod"})
    assert bergen.channels[0].fallback == "epost"
    assert oslo.channels[0].secret == "env:OSLO_SLACK_WEBHOOK"
    assert rules.settings.smtp.password == "cred:smtp-password"
    assert len(rules.sources) == 9 and rules.admin[0].kind == "email"
    assert {s.kind for s in rules.sources} == {"atom", "listing", "statuspage_api", "docpage", "openapi"}


def test_check_rules_broken_file_reports_every_problem_with_line() -> None:
    problems = check_rules(FIXTURES / "broken.yaml", environ={})
    located = [problem.split(": ", 2)[:2] for problem in problems]
    lines_and_paths = [(where.rsplit(":", 1)[1], path) for where, path in located]
    assert lines_and_paths == [
        ("6", "settings.smtp.password"),
        ("11", "kommuner[0].rettighetspakker[1]"),
        ("15", "kommuner[0].channels[0].webhook"),
        ("18", "kommuner[0].channels[1].to[0]"),
        ("19", "kommuner[1]"),
        ("19", "kommuner[1].kommunenummer"),
        ("22", "kommuner[1].chanels"),
        ("28", "kommuner[2].categories[0]"),
        ("30", "kommuner[2].channels[0].fallback"),
        ("34", "kommuner[2].channels[1].name"),
        ("40", "admin.channels[0].kind"),
    ]
    text = "\n".join(problems)
    assert "'0302' is not a kommunenummer (see monitor/data/kommuner.csv; Oslo is 0301)" in text
    assert "did you mean 'channels'?" in text and "did you mean 'kommuneBoligsosialeFormaal'?" in text
    assert "env:OSLO_SLACK_WEBHOOK" in text
    assert "XXXXXXXX" not in text and "hunter2" not in text


def test_check_rules_bad_indentation_names_the_line() -> None:
    (problem,) = check_rules(FIXTURES / "bad-indent.yaml", environ={})
    assert problem.startswith(f"{FIXTURES / 'bad-indent.yaml'}:8: YAML: syntax error")
    assert "indentation" in problem


def test_check_rules_duplicate_key_names_both_lines() -> None:
    (problem,) = check_rules(FIXTURES / "duplicate-key.yaml", environ={})
    assert ":14: kommuner[0].channels[0].to: duplicate key (first at line 13)" in problem


# --- file-level problems ------------------------------------------------------------------------------


def test_load_rules_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_rules(tmp_path / "nope.yaml")


def test_load_rules_empty_file(tmp_path: Path) -> None:
    assert _only(tmp_path, "# only a comment\n").endswith(
        "the file is empty (start from the documented rules.yaml in the repository)"
    )


def test_load_rules_not_a_mapping(tmp_path: Path) -> None:
    assert "must be a mapping of sections, found a list" in _only(tmp_path, "- a\n- b\n")


def test_load_rules_second_document(tmp_path: Path) -> None:
    assert "a second document" in _only(tmp_path, KOMMUNE + SMTP + "---\nkommuner: []\n")


def test_load_rules_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes("navn: Troms\u00f8\n".encode("latin-1"))
    assert "not UTF-8" in check_rules(path)[0]


def test_load_rules_unknown_top_level_key_suggests(tmp_path: Path) -> None:
    problem = _only(tmp_path, KOMMUNE + SMTP + "kommunner: []\n")
    assert "kommunner: unknown key (did you mean 'kommuner'?)" in problem


def test_load_rules_nobody_to_alert(tmp_path: Path) -> None:
    assert "nobody would get alerts" in _only(tmp_path, SMTP)


# --- kommuner ---------------------------------------------------------------------------------------


def test_load_rules_unquoted_leading_zero_number_is_not_octal(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, SMTP + KOMMUNE.replace('"0301"', "0301")), environ={})
    assert rules.kommuner[0].number == "0301"


def test_load_rules_three_digit_number_asks_for_four(tmp_path: Path) -> None:
    problem = _only(tmp_path, SMTP + KOMMUNE.replace('"0301"', "301").replace("navn: Oslo", ""))
    assert "write all four digits in quotes: '0301'" in problem


def test_load_rules_name_must_match_number(tmp_path: Path) -> None:
    problem = _only(tmp_path, SMTP + KOMMUNE.replace("navn: Oslo", "navn: Bergen"))
    assert "navn: 'Bergen' is not the name of 0301 (0301 is Oslo; Bergen is 4601)" in problem


def test_load_rules_rettighetspakker_are_case_insensitive(tmp_path: Path) -> None:
    text = SMTP + KOMMUNE.replace("[kommuneForeldrebetaling]", "[KOMMUNEFORELDREBETALING, saernamsmann]")
    kommune = load_rules(_write(tmp_path, text), environ={}).kommuner[0]
    assert kommune.rettighetspakker == ("kommuneForeldrebetaling", "saernamsmann")


def test_load_rules_unknown_rettighetspakke_lists_known(tmp_path: Path) -> None:
    problem = _only(tmp_path, SMTP + KOMMUNE.replace("[kommuneForeldrebetaling]", "[navbidrag]"))
    assert "'navbidrag' is not a known kommune rettighetspakke (known: kommuneForeldrebetaling" in problem


def test_load_rules_explicit_apis(tmp_path: Path) -> None:
    text = SMTP + KOMMUNE.replace(
        "rettighetspakker: [kommuneForeldrebetaling]", "apis: [inntekt, beregnetskatt]"
    )
    assert load_rules(_write(tmp_path, text), environ={}).kommuner[0].apis == ("beregnetskatt", "inntekt")
    star = SMTP + KOMMUNE.replace("rettighetspakker: [kommuneForeldrebetaling]", "apis: ['*']")
    assert load_rules(_write(tmp_path, star), environ={}).kommuner[0].apis == ("*",)
    bad = SMTP + KOMMUNE.replace("rettighetspakker: [kommuneForeldrebetaling]", "apis: [inntek]")
    assert "apis[0]: 'inntek' is not allowed (did you mean 'inntekt'?)" in _only(tmp_path, bad)


def test_load_rules_kommune_without_apis(tmp_path: Path) -> None:
    problem = _only(tmp_path, SMTP + KOMMUNE.replace("rettighetspakker: [kommuneForeldrebetaling]", ""))
    assert "would get no API notices" in problem


def test_load_rules_kommune_listed_twice(tmp_path: Path) -> None:
    twice = KOMMUNE + KOMMUNE.replace("kommuner:\n", "")
    assert "kommuner[1].kommunenummer: 0301 is listed twice (first at line 10)" in _only(
        tmp_path, SMTP + twice
    )


def test_load_rules_filters_validate_categories_and_environments(tmp_path: Path) -> None:
    text = SMTP + KOMMUNE + "    categories: [downtime, eror]\n    environments: [both]\n"
    problems = _problems(tmp_path, text)
    assert any("categories[1]: 'eror' is not allowed (did you mean 'error'?)" in p for p in problems)
    assert any("environments[0]: 'both' is not allowed" in p for p in problems)


# --- channels and secrets ------------------------------------------------------------------------------


def _channel(body: str) -> str:
    return SMTP + KOMMUNE + textwrap.indent(textwrap.dedent(body), "      ")


def test_load_rules_all_channel_kinds(tmp_path: Path) -> None:
    text = _channel("""\
        - name: slack
          kind: slack_webhook
          webhook: env:OSLO_SLACK
          categories: [downtime]
          fallback: epost
        - name: bot
          kind: slack_bot
          token: cred:slack-token
          channel: C0123ABCD
        - name: teams
          kind: teams
          webhook: cred:oslo-teams
          environments: [prod]
    """)
    channels = load_rules(_write(tmp_path, text), environ={}).kommuner[0].channels
    assert [(c.name, c.kind, c.secret) for c in channels] == [
        ("epost", "email", None),
        ("slack", "slack_webhook", "env:OSLO_SLACK"),
        ("bot", "slack_bot", "cred:slack-token"),
        ("teams", "teams", "cred:oslo-teams"),
    ]
    assert channels[2].target == "C0123ABCD"


def test_load_rules_inline_slack_token_is_rejected_without_echo(tmp_path: Path) -> None:
    problem = _only(
        tmp_path, _channel("- {name: bot, kind: slack_bot, token: xoxb-1234-SECRETVALUE, channel: C1}\n")
    )
    assert "an inline Slack token" in problem and "env:OSLO_BOT_TOKEN" in problem
    assert "SECRETVALUE" not in problem


def test_load_rules_secret_pasted_into_another_field_is_found(tmp_path: Path) -> None:
    url = "https://hooks.slack.com/services/T1/B2/SECRETVALUE"
    problem = _only(tmp_path, _channel(f"- {{name: bot, kind: slack_bot, token: env:T, channel: '{url}'}}\n"))
    assert "looks like a secret" in problem and "SECRETVALUE" not in problem


def test_load_rules_malformed_reference(tmp_path: Path) -> None:
    problem = _only(tmp_path, _channel("- {name: s, kind: slack_webhook, webhook: 'env:has-dash'}\n"))
    assert "malformed secret reference" in problem


def test_load_rules_channel_keys_depend_on_kind(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _channel("- {name: s, kind: slack_webhook, to: a@b.no}\n"))
    assert any(
        "'to' is not used by slack_webhook channels (slack_webhook channels take: webhook)" in p
        for p in problems
    )
    assert any("a slack_webhook channel needs 'webhook'" in p for p in problems)


def test_load_rules_fallback_must_name_another_channel(tmp_path: Path) -> None:
    itself = _channel("- {name: s, kind: slack_webhook, webhook: env:S, fallback: s}\n")
    assert "cannot be its own fallback" in _only(tmp_path, itself)
    missing = _channel("- {name: s, kind: slack_webhook, webhook: env:S, fallback: sms}\n")
    assert "no channel named 'sms' here (channels: epost)" in _only(tmp_path, missing)
    circle = _channel("""\
        - {name: a, kind: slack_webhook, webhook: env:A, fallback: b}
        - {name: b, kind: slack_webhook, webhook: env:B, fallback: a}
    """)
    assert any("go round in a circle" in p for p in _problems(tmp_path, circle))


def test_load_rules_email_needs_smtp(tmp_path: Path) -> None:
    assert "settings.smtp: email channels need an SMTP server" in _only(tmp_path, KOMMUNE)


def test_load_rules_smtp_rules(tmp_path: Path) -> None:
    remote = SMTP.replace("127.0.0.1", "smtp.example.no")
    assert "unencrypted SMTP is only allowed to 127.0.0.1" in _only(tmp_path, remote + KOMMUNE)
    half = SMTP.replace("security: none", "security: none\n    username: x")
    assert "username and password go together" in _only(tmp_path, half + KOMMUNE)
    inline = SMTP.replace("security: none", "security: none\n    username: x\n    password: hunter2")
    problem = _only(tmp_path, inline + KOMMUNE)
    assert "an inline password" in problem and "hunter2" not in problem


# --- sources ---------------------------------------------------------------------------------------------


def _source(body: str) -> str:
    return SMTP + KOMMUNE + "sources:\n" + textwrap.indent(textwrap.dedent(body), "  ")


def test_load_rules_default_sources_when_absent(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, SMTP + KOMMUNE), environ={})
    assert rules.sources == DEFAULT_SOURCES
    assert [s.kind for s in rules.sources] == ["atom", "listing", "statuspage_api", "statuspage_api"]


def test_load_rules_loopback_source_may_use_http_and_short_interval(tmp_path: Path) -> None:
    text = _source(
        "- {name: lokal, kind: atom, url: 'http://127.0.0.1:8080/atom.xml', interval_seconds: 1}\n"
    )
    (source,) = load_rules(_write(tmp_path, text), environ={}).sources
    assert source.interval_seconds == 1 and source.jitter_seconds == 0


def test_load_rules_source_rules(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        _source("""\
        - {name: ok, kind: atom, url: 'https://example.no/atom.xml'}
        - {name: a, kind: atom, url: 'http://example.no/atom.xml'}
        - {name: b, kind: atom, url: 'https://example.no/atom.xml', interval_seconds: 30}
        - {name: c, kind: rss, url: 'https://example.no/rss'}
        - {name: d, kind: docpage, url: 'https://example.no/doc'}
        - {name: e, kind: atom, url: 'https://example.no/atom.xml', api: inntekt}
        - {name: f, kind: openapi, url: 'https://example.no/spec.json', api: skattekort}
        - {name: ok, kind: listing, url: 'https://example.no/'}
        - {name: 'g:h', kind: listing, url: 'https://example.no/'}
    """),
    )
    expected = [
        "sources[1].url: plain http is only allowed for 127.0.0.1 or localhost",
        "sources[2].interval_seconds: 30 is too small (at least 60)",
        "sources[3].kind: 'rss' is not allowed",
        "sources[4]: a docpage source needs 'api'",
        "sources[5].api: 'api' is only for docpage and openapi sources",
        "sources[6].api: 'skattekort' is not allowed",
        "sources[7].name: 'ok' is used twice",
        "sources[8].name: 'g:h' is not a simple name",
    ]
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


# --- settings ----------------------------------------------------------------------------------------------


def test_load_rules_state_dir_from_systemd_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, SMTP + KOMMUNE)
    settings = load_rules(path, environ={"STATE_DIRECTORY": "/var/lib/x:/var/lib/y"}).settings
    assert settings.state_dir == Path("/var/lib/x")
    assert settings.database == Path("/var/lib/x/driftsvarsel.db")
    assert load_rules(path, environ={}).settings.state_dir == Path("/var/lib/driftsvarsel")


def test_load_rules_relative_paths(tmp_path: Path) -> None:
    text = SMTP.replace("settings:\n", "settings:\n  state_dir: state\n  database: db/monitor.db\n") + KOMMUNE
    settings = load_rules(_write(tmp_path, text), environ={"STATE_DIRECTORY": "/ignored"}).settings
    assert settings.state_dir == tmp_path / "state"
    assert settings.database == tmp_path / "state" / "db" / "monitor.db"


def test_load_rules_settings_problems(tmp_path: Path) -> None:
    text = SMTP.replace(
        "settings:\n",
        "settings:\n  log_format: yaml\n  metrics_listen: '9464'\n  heartbeat_hour: 24\n  give_up_hour: 3\n"
        "  request_timeout_seconds: fast\n",
    )
    problems = _problems(tmp_path, text + KOMMUNE)
    expected = [
        "settings.log_format: 'yaml' is not allowed",
        "settings.metrics_listen: '9464' is not host:port",
        "settings.heartbeat_hour: 24 is too large (at most 23)",
        "settings.give_up_hour: unknown key (did you mean 'give_up_hours'?)",
        "settings.request_timeout_seconds: expected a number, found 'fast'",
    ]
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_load_rules_problems_come_in_file_order(tmp_path: Path) -> None:
    text = _source("- {name: a, kind: rss, url: 'https://x.no'}\n") + "bogus: 1\n"
    text = text.replace("navn: Oslo", "navn: Bergen")
    lines = [int(problem.split(":")[1]) for problem in _problems(tmp_path, text)]
    assert lines == sorted(lines) and len(lines) == 3


# --- vocabulary ---------------------------------------------------------------------------------------


def test_load_rules_vocabulary_is_checked_by_the_classifier(tmp_path: Path) -> None:
    text = SMTP + KOMMUNE + "vocabulary:\n  nosuchgroup: [x]\n"
    problem = _only(tmp_path, text)
    assert ":18: vocabulary.nosuchgroup: unknown group 'nosuchgroup'" in problem


def test_load_rules_vocabulary_must_be_a_mapping(tmp_path: Path) -> None:
    assert "vocabulary: expected a mapping" in _only(tmp_path, SMTP + KOMMUNE + "vocabulary: [a, b]\n")


# --- default path and CLI -----------------------------------------------------------------------------


def test_default_rules_path_prefers_environment(tmp_path: Path) -> None:
    assert default_rules_path({"DRIFTSVARSEL_RULES": str(tmp_path / "r.yaml")}) == tmp_path / "r.yaml"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=60,
        check=False,
    )


def test_cli_rules_check_ok() -> None:
    result = _cli("rules", "check", "--offline", "rules.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "rules.yaml: OK (3 kommuner, 5 channels, 1 admin channel, 9 sources; secrets not checked: --offline)"
    )


def test_cli_rules_check_broken_prints_every_problem() -> None:
    path = str(FIXTURES / "broken.yaml")
    result = _cli("rules", "check", env={"DRIFTSVARSEL_RULES": path})
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 12 and lines[-1] == f"{path}: 11 problems"
    assert all(line.startswith(f"{path}:") for line in lines)


def test_cli_rules_check_missing_file() -> None:
    result = _cli("rules", "check", "no-such-rules.yaml")
    assert result.returncode == 1 and "no-such-rules.yaml: no such file" in result.stdout


def test_cli_rules_explain_shows_why() -> None:
    result = _cli("rules", "explain", "rules.yaml", "--kommune", "4601")
    assert result.returncode == 0, result.stderr
    assert "Spesifisert summert skattegrunnlag API" in result.stdout and "saernamsmann" in result.stdout
    unknown = _cli("rules", "explain", "rules.yaml", "--kommune", "1103")
    assert unknown.returncode == 1 and "kommune 1103 is not in" in unknown.stderr


# --- probes ----------------------------------------------------------------------------------------------


def test_load_rules_probes_defaults_and_values(tmp_path: Path) -> None:
    assert load_rules(_write(tmp_path, SMTP + KOMMUNE), environ={}).probes == ProbeSettings()
    text = (
        SMTP
        + KOMMUNE
        + textwrap.dedent("""\
        probes:
          environments: [prod, test]
          interval_seconds: 120
          cert_warning_days: [7, 30]
          base_urls:
            inntekt: {test: 'https://inntekt.example.no/v1'}
          test_paths: {inntekt: /kommuneBoligsosialeFormaal/2023/01017012345}
          maskinporten:
            enabled: true
            client_id: abc
            key_credential: mp-key.pem
    """)
    )
    probes = load_rules(_write(tmp_path, text), environ={}).probes
    assert probes.environments == ("prod", "test") and probes.interval_seconds == 120
    assert probes.cert_warning_days == (30, 7)
    assert probes.base_urls == {("inntekt", "test"): "https://inntekt.example.no/v1"}
    assert probes.test_paths == {"inntekt": "kommuneBoligsosialeFormaal/2023/01017012345"}
    assert probes.maskinporten.enabled and probes.maskinporten.key_credential == "mp-key.pem"
    assert probes.maskinporten.certificate_credential == "maskinporten-cert.pem"


def test_load_rules_probes_problems(tmp_path: Path) -> None:
    text = (
        SMTP
        + KOMMUNE
        + textwrap.dedent("""\
        probes:
          interval_seconds: 10
          environments: [staging]
          base_urls:
            skattekort: {prod: 'https://x.no'}
          maskinporten:
            enabled: true
            key_credential: '-----BEGIN PRIVATE KEY----- abc'
    """)
    )
    expected = [
        "probes.interval_seconds: 10 is too small (at least 60)",
        "probes.environments[0]: 'staging' is not allowed",
        "probes.base_urls.skattekort: unknown key",
        "probes.maskinporten: enabled without client_id",
        "probes.maskinporten.key_credential: expected the name of a systemd credential",
    ]
    problems = _problems(tmp_path, text)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem
    assert "BEGIN PRIVATE KEY" not in "\n".join(problems)


def test_load_rules_probes_loopback_hosts_allow_short_interval(tmp_path: Path) -> None:
    text = (
        SMTP
        + KOMMUNE
        + "probes:\n  interval_seconds: 1\n  base_urls:\n    inntekt: {prod: 'http://127.0.0.1:9/v1'}\n"
    )
    assert load_rules(_write(tmp_path, text), environ={}).probes.interval_seconds == 1


def test_cli_rules_test_routes_a_corpus_post(corpus_dir: Path) -> None:
    post = corpus_dir / "posts" / "2022-02-18-12-00-endring-xml.md"
    result = _cli("rules", "test", str(post), "--rules", "rules.yaml")
    assert result.returncode == 0, result.stderr
    assert "2022-02-18-12-00-endring-xml.md" in result.stdout
    assert "-> 4601 Bergen / teams" in result.stdout


def test_load_rules_admin_accepts_channel_list_shorthand(tmp_path: Path) -> None:
    long_form = "admin:\n  channels:\n    - {name: drift, kind: email, to: a@example.no}\n"
    short_form = "admin:\n  - {name: drift, kind: email, to: a@example.no}\n"
    for form in (long_form, short_form):
        (channel,) = load_rules(_write(tmp_path, SMTP + form), environ={}).admin
        assert channel.name == "drift" and channel.to == ("a@example.no",)
    assert "admin.chanels: unknown key (did you mean 'channels'?)" in "\n".join(
        _problems(tmp_path, SMTP + "admin:\n  chanels: []\n")
    )
