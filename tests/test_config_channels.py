"""Channels in rules.yaml: a channel read whole; its quiet_hours, digest, urgent_categories and
remind_after read into its DeliverySchedule or refused with line, path and fix; fallbacks checked;
a refused channel or kommune does not hide or invent problems of its siblings."""

from __future__ import annotations

import textwrap
from datetime import time
from pathlib import Path

from monitor.config.load import check_rules, load_rules
from monitor.config.types import URGENT_CATEGORIES, ChannelConfig, DeliverySchedule

HEAD = """\
settings:
  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@localhost}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
"""
WHERE = "kommuner[0].channels"


def _write(tmp_path: Path, channels: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(channels), "      "), encoding="utf-8")
    return path


def _schedule(tmp_path: Path, keys: str) -> DeliverySchedule:
    channel = "- name: epost\n  kind: email\n  to: drift@oslo.kommune.no\n" + textwrap.indent(keys, "  ")
    return load_rules(_write(tmp_path, channel), environ={}).kommuner[0].channels[0].schedule


def test_parse_schedule_without_keys_sends_at_once_and_reminds_every_4_hours(tmp_path: Path) -> None:
    schedule = _schedule(tmp_path, "")
    assert schedule == DeliverySchedule(None, None, None, URGENT_CATEGORIES, 4.0)
    assert not schedule.holds_anything


def test_parse_schedule_reads_every_key(tmp_path: Path) -> None:
    keys = (
        'quiet_hours: "22:00-07:00"\ndigest: "daily 07:30"\n'
        "urgent_categories: [downtime, error, info]\nremind_after: 2.5\n"
    )
    assert _schedule(tmp_path, keys) == DeliverySchedule(
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
        digest_at=time(7, 30),
        urgent=frozenset({"info", "downtime", "error", "resolved"}),
        remind_after_hours=2.5,
    )


def test_parse_schedule_urgent_categories_keep_quiet_hours_and_digest(tmp_path: Path) -> None:
    keys = 'quiet_hours: "23:15 - 6:05"\ndigest: daily 8:00\nurgent_categories: [downtime, error, api_change]'
    schedule = _schedule(tmp_path, keys + "\n")
    assert (schedule.quiet_start, schedule.quiet_end) == (time(23, 15), time(6, 5))
    assert schedule.digest_at == time(8)
    assert schedule.urgent == frozenset({"downtime", "error", "resolved", "api_change"})


def test_parse_schedule_remind_after_0_turns_reminders_off(tmp_path: Path) -> None:
    assert _schedule(tmp_path, "remind_after: 0\n").remind_after_hours == 0.0
    assert _schedule(tmp_path, "remind_after: 168\n").remind_after_hours == 168.0


def test_check_rules_schedule_problems_name_line_path_and_fix(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        - name: epost
          kind: email
          to: drift@oslo.kommune.no
          quiet_hours: "22-07"
          digest: "weekly 07:30"
          urgent_categories: [info]
          remind_after: -1
        - name: natt
          kind: email
          to: drift@oslo.kommune.no
          quiet_hours: "07:00-7:00"
          urgent_categories: [error, info]
          remind_after: 169
        """,
    )
    channel = f"{WHERE}[0]"
    assert check_rules(path, environ={}) == [
        f"{path}:11: {channel}.quiet_hours: '22-07' is not a time range "
        '(write it as "22:00-07:00" (Norwegian time))',
        f"{path}:12: {channel}.digest: 'weekly 07:30' is not a digest time (write \"daily 07:30\")",
        f"{path}:13: {channel}.urgent_categories: downtime and error must always go out at once "
        "(list categories to send at once in addition to downtime, error and resolved)",
        f"{path}:14: {channel}.remind_after: -1.0 is too small (at least 0)",
        f"{path}:18: {WHERE}[1].quiet_hours: the quiet hours start and end at the same time "
        "(remove quiet_hours)",
        f"{path}:19: {WHERE}[1].urgent_categories: downtime must always go out at once "
        "(list categories to send at once in addition to downtime, error and resolved)",
        f"{path}:20: {WHERE}[1].remind_after: 169.0 is too large (at most 168)",
    ]


def test_parse_channels_a_refused_channel_is_still_a_fallback_and_a_name(tmp_path: Path) -> None:
    # The first channel is refused (an inline webhook): the second may fall back to it without
    # being told there is no such channel, the third repeats its name, and the fourth's unknown
    # fallback is reported at its own index with every name written.
    path = _write(
        tmp_path,
        """\
        - {name: slack, kind: slack_webhook, webhook: hooks}
        - {name: epost, kind: email, to: drift@oslo.kommune.no, fallback: slack}
        - {name: slack, kind: teams, webhook: "env:T"}
        - {name: teams, kind: teams, webhook: "env:T", fallback: sms}
        """,
    )
    problems = check_rules(path, environ={})
    assert problems[0].startswith(f"{path}:8: {WHERE}[0].webhook: an inline webhook URL: ")
    assert problems[1:] == [
        f"{path}:10: {WHERE}[2].name: channel 'slack' is named twice (first at line 8) "
        "(give each channel of a kommune its own name)",
        f"{path}:11: {WHERE}[3].fallback: no channel named 'sms' here (channels: slack, epost)",
    ]


def test_parse_channel_with_a_schedule_problem_still_counts_in_the_other_checks(tmp_path: Path) -> None:
    path = _write(tmp_path, "- {name: epost, kind: email, to: drift@oslo.kommune.no, digest: weekly}\n")
    path.write_text(path.read_text(encoding="utf-8").split("\n", 2)[2], encoding="utf-8")  # no SMTP
    assert check_rules(path, environ={}) == [
        f"{path}:1: settings.smtp: email channels need an SMTP server "
        "(add settings.smtp with host and sender)",
        f"{path}:6: {WHERE}[0].digest: 'weekly' is not a digest time (write \"daily 07:30\")",
    ]


def test_parse_channel_reads_a_webhook_channel_whole(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        - name: slack
          kind: slack_webhook
          webhook: env:OSLO_SLACK
          categories: [downtime, error]
          environments: [prod]
          fallback: epost
        - {name: epost, kind: email, to: drift@oslo.kommune.no}
        """,
    )
    slack, _ = load_rules(path, environ={}).kommuner[0].channels
    assert slack == ChannelConfig(
        name="slack",
        kind="slack_webhook",
        secret="env:OSLO_SLACK",
        target=None,
        to=(),
        categories=frozenset({"downtime", "error"}),
        environments=frozenset({"prod"}),
        fallback="epost",
        line=8,
        schedule=DeliverySchedule(),
    )


def test_check_fallbacks_reports_circles_itself_and_unknown_names(tmp_path: Path) -> None:
    # a's chain a → b → c → b never ends although a is not in the circle.
    path = _write(
        tmp_path,
        """\
        - {name: a, kind: email, to: [a@oslo.kommune.no], fallback: b}
        - {name: b, kind: email, to: [b@oslo.kommune.no], fallback: c}
        - {name: c, kind: email, to: [c@oslo.kommune.no], fallback: b}
        - {name: d, kind: email, to: [d@oslo.kommune.no], fallback: d}
        """,
    )
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - kommunenummer: '4601'\n    rettighetspakker: [kommuneForeldrebetaling]\n"
        + "    channels: [{name: a, kind: teams, webhook: 'env:T', fallback: sms}]\n",
        encoding="utf-8",
    )
    circle = "the fallbacks go round in a circle (end the chain)"
    assert check_rules(path, environ={}) == [
        f"{path}:8: {WHERE}[0].fallback: {circle}",
        f"{path}:9: {WHERE}[1].fallback: {circle}",
        f"{path}:10: {WHERE}[2].fallback: {circle}",
        f"{path}:11: {WHERE}[3].fallback: a channel cannot be its own fallback (name another channel)",
        f"{path}:14: kommuner[1].channels[0].fallback: no channel named 'sms' here (channels: none)",
    ]


def test_parse_kommuner_a_refused_kommune_still_counts_as_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, "- {name: bot, kind: slack_bot, token: 'env:X'}\n")
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - kommunenummer: '0301'\n    rettighetspakker: [kommuneForeldrebetaling]\n"
        + "    channels: [{name: epost, kind: email, to: [drift@oslo.kommune.no]}]\n",
        encoding="utf-8",
    )
    assert check_rules(path, environ={}) == [
        f"{path}:8: {WHERE}[0]: a slack_bot channel needs 'channel'",
        f"{path}:9: kommuner[1].kommunenummer: 0301 is listed twice (first at line 4) "
        "(merge the two entries)",
    ]


def test_secret_reference_suggests_a_variable_named_after_kommune_and_channel(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "kommuner:\n  - kommunenummer: '1508'\n    navn: Ålesund\n    apis: [inntekt]\n    channels:\n"
        "      - {name: drift, kind: teams, webhook: 'https://example.webhook.office.com/x'}\n"
        "      - {name: vakt, kind: slack_bot, channel: C1, token: xoxb-123456789012-abcdefghijkl}\n"
        "      - {name: hook, kind: slack_webhook, webhook: xoxb-123456789012-abcdefghijkl}\n",
        encoding="utf-8",
    )
    assert check_rules(path, environ={}) == [
        f"{path}:6: kommuner[0].channels[0].webhook: an inline webhook URL: secrets must not be written in "
        "rules.yaml (move it to an environment variable and write env:AALESUND_DRIFT_WEBHOOK, or to a "
        "systemd credential and write cred:aalesund-drift-webhook)",
        f"{path}:7: kommuner[0].channels[1].token: an inline Slack token: secrets must not be written in "
        "rules.yaml (move it to an environment variable and write env:AALESUND_VAKT_TOKEN, or to a "
        "systemd credential and write cred:aalesund-vakt-token)",
        f"{path}:8: kommuner[0].channels[2].webhook: an inline Slack token: secrets must not be written in "
        "rules.yaml (move it to an environment variable and write env:AALESUND_HOOK_WEBHOOK, or to a "
        "systemd credential and write cred:aalesund-hook-webhook)",
    ]
