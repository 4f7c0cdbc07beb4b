"""rules.yaml values checked in-process, each accepted or refused with its exact message: listen
addresses, the Slack API URL, the vocabulary section, the summary line and the default path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import trustme

from monitor.config.load import check_rules, default_rules_path, load_rules, summarize
from monitor.config.types import MaskinportenSettings, ProbeSettings

ADMIN_ONLY = """\
settings:
  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@localhost}
admin:
  - {name: drift, kind: email, to: [drift@example.no]}
"""
REPO = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _setting(tmp_path: Path, line: str) -> Path:
    return _write(tmp_path, ADMIN_ONLY.replace("settings:\n", f"settings:\n  {line}\n"))


@pytest.mark.parametrize("listen", ["127.0.0.1:9464", "[::1]:9464", "127.0.0.1:0", "localhost:65535"])
def test_metrics_listen_accepts_host_and_port(tmp_path: Path, listen: str) -> None:
    rules = load_rules(_setting(tmp_path, f"metrics_listen: '{listen}'"), environ={})
    assert rules.settings.metrics_listen == listen


@pytest.mark.parametrize(
    "listen",
    ["9464", ":9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536", "[::1:9464", "::1]:9464", "[]:9464"],
)
def test_metrics_listen_refuses_what_is_not_host_and_port(tmp_path: Path, listen: str) -> None:
    path = _setting(tmp_path, f"metrics_listen: '{listen}'")
    assert check_rules(path, environ={}) == [
        f"{path}:2: settings.metrics_listen: '{listen}' is not host:port (for example 127.0.0.1:9464)"
    ]


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://slack.example/api", "https://slack.example/api/"),
        ("https://slack.example/api//", "https://slack.example/api/"),
        ("http://127.0.0.1:8080/api/", "http://127.0.0.1:8080/api/"),
    ],
)
def test_slack_api_url_ends_in_one_slash(tmp_path: Path, url: str, stored: str) -> None:
    rules = load_rules(_setting(tmp_path, f"slack_api_url: '{url}'"), environ={})
    assert rules.settings.slack_api_url == stored


def test_vocabulary_terms_are_read_as_lists_or_single_terms(tmp_path: Path) -> None:
    text = (
        ADMIN_ONLY
        + "vocabulary:\n  error_terms: brannalarm\n  downtime_terms:\n    - stans\n    - driftsstans\n"
    )
    rules = load_rules(_write(tmp_path, text), environ={})
    assert rules.vocabulary == {"error_terms": ("brannalarm",), "downtime_terms": ("stans", "driftsstans")}


def test_vocabulary_problems_name_the_line_of_the_term(tmp_path: Path) -> None:
    text = ADMIN_ONLY + "vocabulary:\n  downtime_terms:\n    - stans\n    - 're:('\n  eror_terms: [x]\n"
    path = _write(tmp_path, text)
    problems = check_rules(path, environ={})
    assert len(problems) == 2, problems
    assert problems[0].startswith(
        f"{path}:8: vocabulary.downtime_terms[1]: bad term 're:(': missing ), unterminated subpattern"
    )
    assert problems[1].startswith(
        f"{path}:9: vocabulary.eror_terms: unknown group 'eror_terms' (known groups:"
    )
    assert problems[1].endswith("did you mean 'error_terms'?")


def test_vocabulary_empty_term_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, ADMIN_ONLY + "vocabulary:\n  error_terms:\n    - brannalarm\n    - ''\n")
    assert check_rules(path, environ={}) == [
        f"{path}:8: vocabulary.error_terms[1]: expected a text value, found ''"
    ]


def test_summarize_counts_with_singular_and_plural(tmp_path: Path) -> None:
    shipped = load_rules(REPO / "rules.yaml", environ={})
    assert summarize(shipped) == "3 kommuner, 5 channels, 1 admin channel, 9 sources"
    oslo = "kommuner:\n  - {kommunenummer: '0301', navn: Oslo, rettighetspakker: [kommuneForeldrebetaling],\n"
    feed = "  - {name: feed%d, kind: atom, url: 'https://example.no/%d.xml'}\n"
    one = (
        ADMIN_ONLY
        + "sources:\n"
        + feed % (1, 1)
        + oslo
        + "     channels: [{name: a, kind: email, to: [a@example.no]}]}\n"
    )
    assert summarize(load_rules(_write(tmp_path, one), environ={})) == (
        "1 kommune, 1 channel, 1 admin channel, 1 source"
    )
    two = ADMIN_ONLY.split("admin:")[0] + "sources:\n" + feed % (1, 1) + feed % (2, 2) + oslo
    two += "     channels: [{name: a, kind: email, to: [a@example.no]},\n"
    two += "                {name: b, kind: email, to: [b@example.no]}]}\n"
    assert summarize(load_rules(_write(tmp_path, two), environ={})) == (
        "1 kommune, 2 channels, 0 admin channels, 2 sources"
    )


def test_default_rules_path_prefers_a_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_rules_path({}) == Path("/etc/driftsvarsel/rules.yaml")
    (tmp_path / "rules.yaml").write_text(ADMIN_ONLY, encoding="utf-8")
    assert default_rules_path({}) == Path("rules.yaml")
    assert default_rules_path({"DRIFTSVARSEL_RULES": "/srv/r.yaml"}) == Path("/srv/r.yaml")


PROBES = """\
probes:
  enabled: false
  interval_seconds: 120
  jitter_seconds: 10
  timeout_seconds: 7.5
  failure_threshold: 4
  success_threshold: 100
  keep_days: 90
  environments: [test, prod]
  test_paths: {inntekt: /v1/syntetisk/inntekter}
  cert_warning_days: [7, 30]
  maskinporten:
    enabled: true
    client_id: abc-123
    issuer: https://maskinporten.example/
    kid: nokkel-1
    key_credential: mp-key.pem
    certificate_credential: mp-cert.pem
"""


def test_probes_every_key_is_read(tmp_path: Path) -> None:
    probes = load_rules(_write(tmp_path, ADMIN_ONLY + PROBES), environ={}).probes
    assert probes == ProbeSettings(
        enabled=False,
        interval_seconds=120,
        jitter_seconds=10,
        timeout_seconds=7.5,
        failure_threshold=4,
        success_threshold=100,
        environments=("prod", "test"),
        test_paths={"inntekt": "v1/syntetisk/inntekter"},
        cert_warning_days=(30, 7),
        keep_days=90,
        maskinporten=MaskinportenSettings(
            enabled=True,
            client_id="abc-123",
            issuer="https://maskinporten.example/",
            key_credential="mp-key.pem",
            certificate_credential="mp-cert.pem",
            kid="nokkel-1",
        ),
    )


def test_probes_problems_each_with_line_path_and_fix(tmp_path: Path) -> None:
    text = ADMIN_ONLY + (
        "probes:\n  enabled: kanskje\n  jitter_seconds: 300\n  failure_threshold: 0\n"
        "  success_threshold: 101\n"
        "  keep_days: 0\n  timeout_seconds: fort\n  environments: []\n  test_paths: {inntekt: [a]}\n"
        "  ca_file: mangler.pem\n  maskinporten:\n    enabled: true\n    issuer: ikke en adresse\n"
        "    certificate_credential: null\n"
    )
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [
        f"{path}:6: probes.enabled: expected true or false, found 'kanskje'",
        f"{path}:7: probes.jitter_seconds: 300 is too large (at most 299)",
        f"{path}:8: probes.failure_threshold: 0 is too small (at least 1)",
        f"{path}:9: probes.success_threshold: 101 is too large (at most 100)",
        f"{path}:10: probes.keep_days: 0 is too small (at least 1)",
        f"{path}:11: probes.timeout_seconds: expected a number, found 'fort'",
        f"{path}:12: probes.environments: the list is empty (remove the key to allow everything)",
        f"{path}:13: probes.test_paths.inntekt: expected a text value, found a list",
        f"{path}:14: probes.ca_file: {tmp_path}/mangler.pem does not exist "
        "(give a PEM file of CA certificates, relative to this rules file)",
        f"{path}:16: probes.maskinporten: enabled without client_id "
        "(give the integration's client id from Samarbeidsportalen)",
        f"{path}:16: probes.maskinporten: enabled without certificate_credential or kid (give one of them)",
        f"{path}:17: probes.maskinporten.issuer: 'ikke en adresse' is not a web address (write https://host/path)",
    ]


BROKEN = """\
settings:
  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: a@localhost, username: [x], password: hemmelig}
  request_timeout_seconds: treg
  give_up_hours: 0
sources:
  - {kind: atom, url: 'https://example.no/a.xml'}
  - {name: feed, kind: atom, url: 'https://example.no/b.xml', interval_seconds: 600, jitter_seconds: 600}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: []
    channels:
      - {name: slack, kind: slack_webhook, webhook: "env:bad name"}
      - {name: epost, kind: email, to: [], categories: []}
  - kommunenummer: "301"
    navn: Bergen
    apis: [inntekt]
    channels:
      - {name: epost, kind: email, to: ikke-en-adresse}
admin:
  - {name: drift, kind: email, to: [drift@example.no], environments: [prod, staging]}
"""


def test_rules_problems_in_settings_sources_kommuner_and_admin(tmp_path: Path) -> None:
    path = _write(tmp_path, BROKEN)
    assert check_rules(path, environ={}) == [
        f"{path}:2: settings.smtp.username: expected a text value, found a list",
        f"{path}:2: settings.smtp.password: an inline password: secrets must not be written in rules.yaml "
        "(move it to an environment variable and write env:SMTP_PASSWORD, or to a systemd credential and "
        "write cred:smtp-password)",
        f"{path}:2: settings.smtp: username and password go together (give both, or neither)",
        f"{path}:3: settings.request_timeout_seconds: expected a number, found 'treg'",
        f"{path}:4: settings.give_up_hours: 0.0 is too small (at least 0.1)",
        f"{path}:6: sources[0]: missing required key 'name'",
        f"{path}:7: sources[1].jitter_seconds: 600 is too large (at most 599)",
        f"{path}:9: kommuner[0]: this kommune would get no API notices (list its rettighetspakker or apis)",
        f"{path}:13: kommuner[0].channels[0].webhook: malformed secret reference (env:NAME with letters, "
        "digits and '_', or cred:NAME naming a systemd credential)",
        f"{path}:14: kommuner[0].channels[1].categories: the list is empty "
        "(remove the key to allow everything)",
        f"{path}:14: kommuner[0].channels[1].to: no recipients (list at least one address)",
        f"{path}:15: kommuner[1].kommunenummer: '301' is not a kommunenummer "
        "(see monitor/data/kommuner.csv; Bergen is 4601)",
        f"{path}:19: kommuner[1].channels[0].to[0]: 'ikke-en-adresse' is not an email address "
        "(write name@example.no, one address per item)",
        f"{path}:21: admin[0].environments[1]: 'staging' is not allowed (one of: prod, test)",
    ]


def test_rules_smtp_login_source_defaults_and_single_address(tmp_path: Path) -> None:
    text = (
        "settings:\n  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: a@localhost,\n"
        "         username: drift, password: 'env:SMTP_PW'}\n"
        "sources:\n  - {name: feed, kind: atom, url: 'https://example.no/b.xml'}\n"
        "admin:\n  - {name: drift, kind: email, to: drift@example.no}\n"
    )
    rules = load_rules(_write(tmp_path, text), environ={})
    assert (rules.settings.smtp.username, rules.settings.smtp.password) == ("drift", "env:SMTP_PW")
    (source,) = rules.sources
    assert (source.name, source.interval_seconds, source.jitter_seconds, source.line) == ("feed", 600, 60, 5)
    (admin,) = rules.admin
    assert (admin.name, admin.to, admin.line) == ("drift", ("drift@example.no",), 7)


def test_rules_problems_in_channels_rettighetspakker_and_sources(tmp_path: Path) -> None:
    text = (
        "sources:\n"
        "  - {name: feed, kind: atom, url: 'https://e.no/b', jitter_seconds: 700, enabled: kanskje}\n"
        "  - {name: feed2, kind: atom, url: 'http://exa mple.no/x'}\n"
        "kommuner:\n"
        "  - kommunenummer: '0301'\n    navn: [Oslo]\n"
        "    rettighetspakker: [kommuneForeldrebetaling, [x], ukjentPakke]\n"
        "    categories: [error]\n    channels: []\n"
        "  - kommunenummer: '4601'\n    navn: Bergen\n    apis: [inntekt]\n    channels:\n"
        "      - {name: epost, kind: email, to: [a@example.no], fallback: sms}\n"
        "      - {name: epost, kind: email, to: [b@example.no]}\n"
        "      - {kind: email, to: [c@example.no]}\n"
        "      - {name: slack, kind: slack_bot, channel: C1, token: xoxb-123456789012-abcdefghijkl}\n"
        "admin:\n  - {name: drift, kind: email, to: [drift@example.no]}\n"
        "probes: [x]\n"
    )
    path = _write(tmp_path, text)
    known = (
        "kommuneForeldrebetaling, kommuneBoligsosialeFormaal, kommunePersonligassistanse, "
        "kommunePraktiskBistand, kommuneLangtidsoppholdInstitusjon, saernamsmann, kommuneEiendomsskatt"
    )
    assert check_rules(path, environ={}) == [
        f"{path}:1: settings.smtp: email channels need an SMTP server "
        "(add settings.smtp with host and sender)",
        f"{path}:2: sources[0].jitter_seconds: 700 is too large (at most 599)",
        f"{path}:2: sources[0].enabled: expected true or false, found 'kanskje'",
        f"{path}:3: sources[1].url: 'http://exa mple.no/x' is not a web address (write https://host/path)",
        f"{path}:6: kommuner[0].navn: expected a text value, found a list",
        f"{path}:7: kommuner[0].rettighetspakker[1]: expected a text value, found a list",
        f"{path}:7: kommuner[0].rettighetspakker[2]: 'ukjentPakke' is not a known kommune rettighetspakke "
        f"(known: {known}; for others list the APIs under apis)",
        f"{path}:9: kommuner[0].channels: no channels "
        "(add at least one channel (email, slack_webhook, slack_bot, teams))",
        f"{path}:14: kommuner[1].channels[0].fallback: no channel named 'sms' here (channels: slack)",
        f"{path}:15: kommuner[1].channels[1].name: channel 'epost' is named twice (first at line 14) "
        "(give each channel of a kommune its own name)",
        f"{path}:16: kommuner[1].channels[2]: missing required key 'name'",
        f"{path}:17: kommuner[1].channels[3].token: an inline Slack token: secrets must not be written in "
        "rules.yaml (move it to an environment variable and write env:BERGEN_SLACK_TOKEN, or to a systemd "
        "credential and write cred:bergen-slack-token)",
        f"{path}:20: probes: expected a mapping (key: value lines), found a list",
    ]


def test_rules_problems_in_probe_days_and_maskinporten_credentials(tmp_path: Path) -> None:
    text = ADMIN_ONLY + (
        "probes:\n  cert_warning_days: [7, 0]\n  maskinporten:\n    kid: [x]\n"
        "    key_credential: /etc/nokkel.pem\n    certificate_credential: [y]\n"
    )
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [
        f"{path}:6: probes.cert_warning_days[1]: 0 is too small (at least 1)",
        f"{path}:8: probes.maskinporten.kid: expected a text value, found a list",
        f"{path}:9: probes.maskinporten.key_credential: expected the name of a systemd credential, e.g. "
        "maskinporten-key.pem "
        "(put the PEM in a file loaded with LoadCredential=NAME:/path and write NAME here)",
        f"{path}:10: probes.maskinporten.certificate_credential: expected a text value, found a list",
    ]


def test_kommune_filters_are_kept(tmp_path: Path) -> None:
    text = ADMIN_ONLY + (
        "kommuner:\n  - kommunenummer: '0301'\n    navn: Oslo\n"
        "    rettighetspakker: [kommuneForeldrebetaling]\n"
        "    categories: [error, downtime]\n    environments: [prod]\n"
        "    channels: [{name: a, kind: email, to: [a@example.no]}]\n"
    )
    (kommune,) = load_rules(_write(tmp_path, text), environ={}).kommuner
    assert (kommune.number, kommune.name, kommune.categories, kommune.environments) == (
        "0301",
        "Oslo",
        frozenset({"error", "downtime"}),
        frozenset({"prod"}),
    )


SMTP_ONLY = "settings:\n  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: a@localhost}\n"
ADMIN = "admin:\n  - {name: drift, kind: email, to: [drift@example.no]}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SMTP_ONLY + ADMIN + "probes: {enabled: [\n",
            "{path}:6: YAML: syntax error at column 1: expected the node content, but found '<stream end>' "
            "(while parsing a flow node) (check the indentation and quoting)",
        ),
        (
            SMTP_ONLY + ADMIN + "---\n" + ADMIN,
            "{path}:5: YAML: syntax error at column 1: a second document ('---'): rules.yaml holds one "
            "(check the indentation and quoting)",
        ),
        (
            "# bare kommentar\n",
            "{path}:1: (file): the file is empty (start from the documented rules.yaml in the repository)",
        ),
        (SMTP_ONLY + ADMIN + "? [a, b]\n: 1\n", "{path}:5: : keys must be plain names"),
        (SMTP_ONLY + ADMIN + ADMIN, "{path}:5: admin: duplicate key (first at line 3) (keep only one)"),
        (
            SMTP_ONLY.replace("settings:\n", "settings:\n  request_timeout_seconds: " + "y" * 70 + "\n")
            + ADMIN,
            "{path}:2: settings.request_timeout_seconds: expected a number, found '" + "y" * 57 + "...'",
        ),
        (
            SMTP_ONLY.replace("settings:\n", "settings:\n  request_timeout_seconds: " + "y" * 60 + "\n")
            + ADMIN,
            "{path}:2: settings.request_timeout_seconds: expected a number, found '" + "y" * 60 + "'",
        ),
    ],
)
def test_yaml_problems_name_the_line_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [expected.format(path=path)]


@pytest.mark.parametrize(("depth", "problem"), [(49, False), (50, True)])
def test_yaml_nesting_is_limited_to_50_levels(tmp_path: Path, depth: int, problem: bool) -> None:
    path = _write(
        tmp_path, SMTP_ONLY + ADMIN + "vocabulary: {error_terms: " + "[" * depth + "]" * depth + "}\n"
    )
    expected = (
        "YAML: nested more than 50 levels deep (flatten the file)"
        if problem
        else ("vocabulary.error_terms[0]: expected a text value, found a list")
    )
    assert check_rules(path, environ={}) == [f"{path}:5: {expected}"]


def test_smtp_and_admin_channel_problems(tmp_path: Path) -> None:
    text = (
        "settings:\n  smtp: {host: 127.0.0.1, port: 99999, security: none, sender: ikke-epost}\n"
        "admin:\n  - {name: 'drift kanal', kind: email, to: [drift@example.no]}\n"
        "  - {name: hook, kind: slack_webhook, webhook: 'https://hooks.slack.com/services/T0/B0/abcdefghijklmnop'}\n"
    )
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [
        f"{path}:2: settings.smtp.port: 99999 is too large (at most 65535)",
        f"{path}:2: settings.smtp.sender: 'ikke-epost' is not an email address",
        f"{path}:4: admin[0].name: 'drift kanal' is not a simple name (use letters, digits, '-', '_' or '.')",
        f"{path}:5: admin[1].webhook: an inline webhook URL: secrets must not be written in rules.yaml "
        "(move it to an environment variable and write env:ADMIN_HOOK_WEBHOOK, or to a systemd credential "
        "and write cred:admin-hook-webhook)",
    ]
    sender = load_rules(_write(tmp_path, SMTP_ONLY + ADMIN), environ={}).settings.smtp.sender
    assert sender == "a@localhost"


ALIAS_BOMB = (
    "".join(
        f"{name}: &{name} [{', '.join([item] * 10)}]\n"
        for name, item in (("a", "x"), ("b", "*a"), ("c", "*b"), ("d", "*c"), ("e", "*d"))
    )
    + "f: [*e, *e, *e]\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SMTP_ONLY + ADMIN + "x: " + "[" * 3000 + "]" * 3000 + "\n",
            "{path}:1: YAML: nested more than 50 levels deep (flatten the file)",
        ),
        (
            SMTP_ONLY + ADMIN + ALIAS_BOMB,
            "{path}:5: YAML: more than 200000 values once aliases (*name) are expanded "
            "(write it out plainly)",
        ),
        (
            SMTP_ONLY + ADMIN + "probes:\n  cert_warning_days: {a: 1}\n",
            "{path}:6: probes.cert_warning_days: expected a list, found a mapping "
            "(write '- item' lines or [a, b])",
        ),
        (
            "settings:\n  log_format: text\n" + ADMIN,
            "{path}:2: settings.smtp: email channels need an SMTP server "
            "(add settings.smtp with host and sender)",
        ),
    ],
)
def test_rules_limits_and_where_problems_point(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [expected.format(path=path)]


def test_channel_name_and_fallback_must_be_text(tmp_path: Path) -> None:
    path = _write(
        tmp_path, SMTP_ONLY + "admin:\n  - {name: [x], kind: email, to: [a@example.no], fallback: [y]}\n"
    )
    assert check_rules(path, environ={}) == [
        f"{path}:4: admin[0].name: expected a text value, found a list",
        f"{path}:4: admin[0].fallback: expected a text value, found a list",
    ]


def test_source_url_that_cannot_be_parsed_and_jitter_without_interval(tmp_path: Path) -> None:
    source = "sources:\n  - {name: feed, kind: atom, url: 'https://[::1/x', jitter_seconds: 700}\n"
    path = _write(tmp_path, SMTP_ONLY + source + ADMIN)
    assert check_rules(path, environ={}) == [
        f"{path}:4: sources[0].url: 'https://[::1/x' is not a valid web address (Invalid IPv6 URL) "
        "(write https://host/path)",
        f"{path}:4: sources[0].jitter_seconds: 700 is too large (at most 599)",
    ]


def test_rules_file_over_two_megabytes_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, SMTP_ONLY + ADMIN + "#" * 2_000_000 + "\n")
    size = path.stat().st_size
    assert check_rules(path, environ={}) == [
        f"{path}: {size} bytes is far too large for a rules file (at most 2000000; is it the right file?)"
    ]


def test_source_jitter_is_checked_against_the_default_when_the_interval_is_wrong(tmp_path: Path) -> None:
    source = "sources:\n  - {name: feed, kind: atom, url: 'https://e.no/a', interval_seconds: fort,\n"
    source += "     jitter_seconds: 700}\n"
    path = _write(tmp_path, SMTP_ONLY + source + ADMIN)
    assert check_rules(path, environ={}) == [
        f"{path}:4: sources[0].interval_seconds: expected a whole number, found 'fort'",
        f"{path}:5: sources[0].jitter_seconds: 700 is too large (at most 599)",
    ]


def test_vocabulary_bad_term_after_a_non_text_item_names_its_own_line(tmp_path: Path) -> None:
    text = ADMIN_ONLY + "vocabulary:\n  downtime_terms:\n    - [stans]\n    - driftsstans\n    - 're:('\n"
    path = _write(tmp_path, text)
    problems = check_rules(path, environ={})
    assert problems[0] == f"{path}:7: vocabulary.downtime_terms[0]: expected a text value, found a list"
    assert problems[1].startswith(f"{path}:9: vocabulary.downtime_terms[2]: bad term 're:(': missing )")
    assert len(problems) == 2


def test_vocabulary_unknown_group_is_reported_at_its_name_not_its_terms(tmp_path: Path) -> None:
    path = _write(tmp_path, ADMIN_ONLY + "vocabulary:\n  eror_terms:\n    - brann\n")
    (problem,) = check_rules(path, environ={})
    assert problem.startswith(f"{path}:6: vocabulary.eror_terms: unknown group 'eror_terms' (known groups:")


@pytest.mark.parametrize(("security", "port"), [("none", 25), ("ssl", 465), ("starttls", 587)])
def test_smtp_port_defaults_to_the_security_s_port(tmp_path: Path, security: str, port: int) -> None:
    smtp = f"  smtp: {{host: 127.0.0.1, security: {security}, sender: driftsvarsel@localhost}}\n"
    text = "settings:\n" + smtp + ADMIN_ONLY.split("\n", 2)[2]
    smtp_config = load_rules(_write(tmp_path, text), environ={}).settings.smtp
    assert (smtp_config.security, smtp_config.port) == (security, port)


def test_smtp_ca_file_is_read_relative_to_the_rules_file(tmp_path: Path) -> None:
    trustme.CA().cert_pem.write_to_path(str(tmp_path / "intern-ca.pem"))
    text = ADMIN_ONLY.replace(
        "sender: driftsvarsel@localhost}", "sender: driftsvarsel@localhost,\n    ca_file: intern-ca.pem}"
    )
    path = _write(tmp_path, text)
    assert load_rules(path, environ={}).settings.smtp.ca_file == str(tmp_path / "intern-ca.pem")
    (tmp_path / "intern-ca.pem").write_text("ikke et sertifikat\n", encoding="utf-8")
    (problem,) = check_rules(path, environ={})
    assert problem.startswith(
        f"{path}:3: settings.smtp.ca_file: {tmp_path}/intern-ca.pem cannot be read as CA certificates ("
    )
    assert problem.endswith("(give a PEM file of CA certificates)")


def test_trusted_hosts_are_lower_case_domains_without_the_final_dot(tmp_path: Path) -> None:
    rules = load_rules(_setting(tmp_path, "trusted_hosts: [Example.NO., sub.example.com]"), environ={})
    assert rules.settings.trusted_hosts == ("example.no", "sub.example.com")
    single = load_rules(_setting(tmp_path, "trusted_hosts: altinn.no"), environ={})
    assert single.settings.trusted_hosts == ("altinn.no",)
    path = _setting(tmp_path, "trusted_hosts: [example.no, 'ikke et navn', [x]]")
    assert check_rules(path, environ={}) == [
        f"{path}:2: settings.trusted_hosts[1]: 'ikke et navn' is not a domain name (write e.g. example.no)",
        f"{path}:2: settings.trusted_hosts[2]: expected a text value, found a list",
    ]


def test_components_section_shape_problems_name_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path, ADMIN_ONLY + "components: [Folkeregister]\n")
    assert check_rules(path, environ={}) == [
        f"{path}:5: components: expected a mapping (key: value lines), found a list"
    ]
    text = ADMIN_ONLY + 'components:\n  Folkeregister: {api: inntekt}\n  Alle: "*"\n  Ingen: []\n'
    path = _write(tmp_path, text)
    assert check_rules(path, environ={}) == [
        f"{path}:6: components.Folkeregister: expected a list, found a mapping "
        "(write '- item' lines or [a, b])"
    ]
    valid = _write(tmp_path, text.replace("{api: inntekt}", "[inntekt, '*']").replace("  Alle", "  Alt"))
    assert check_rules(valid, environ={}) == [
        f'{valid}:6: components.Folkeregister: "*" already means every API (write ["*"] alone)'
    ]
    fixed = _write(tmp_path, text.replace("{api: inntekt}", "[Inntekt]"))
    assert load_rules(fixed, environ={}).components == {
        "Folkeregister": ("inntekt",),
        "Alle": ("*",),
        "Ingen": (),
    }


@pytest.mark.parametrize(("written", "malform"), [("nb", "nb"), ("nn", "nn"), (None, "nb")])
def test_kommune_malform_is_nb_or_nn(tmp_path: Path, written: str | None, malform: str) -> None:
    line = "" if written is None else f", målform: {written}"
    text = ADMIN_ONLY + (
        "kommuner:\n  - {kommunenummer: '0301', rettighetspakker: [kommuneForeldrebetaling]" + line + ",\n"
        "     channels: [{name: a, kind: email, to: [a@example.no]}]}\n"
    )
    rules = load_rules(_write(tmp_path, text), environ={})
    assert rules.kommuner[0].malform == malform
    assert rules.language_of("0301") == malform
    assert rules.kommuner[0].line == 6
    assert rules.admin_malform == "nb"  # the admin route has no målform written
    admin = text.replace("admin:\n  - {", "admin:\n  channels:\n    - {")
    assert load_rules(_write(tmp_path, admin), environ={}).admin_malform == "nb"
    admin_nn = admin.replace("admin:\n", "admin:\n  målform: nn\n")
    assert load_rules(_write(tmp_path, admin_nn), environ={}).language_of("admin") == "nn"
