"""`driftsvarsel rules check|explain|test`: one way to name the rules file, every kommune in one
table, who does NOT get a notice and why, `--expect` like amtool's `--verify.receivers`, and a file
that is not a notice refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli.main import main

RULES = """\
settings:
  state_dir: state
  smtp: {host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@test.localhost}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling, kommuneBoligsosialeFormaal]
    channels:
      - {name: slack, kind: slack_webhook, webhook: "env:OSLO_SLACK"}
      - {name: epost, kind: email, to: [drift@oslo.test.localhost], categories: [downtime, error, resolved]}
  - kommunenummer: "4601"
    navn: Bergen
    rettighetspakker: [saernamsmann]
    environments: [prod]
    channels:
      - {name: teams, kind: teams, webhook: "env:BERGEN_TEAMS"}
  - kommunenummer: "5501"
    navn: Tromsø
    rettighetspakker: [kommuneEiendomsskatt]
    categories: [api_change]
    channels:
      - {name: epost, kind: email, to: [drift@tromso.test.localhost]}
  - kommunenummer: "1103"
    navn: Stavanger
    apis: [inntekt]
    channels:
      - {name: teams, kind: teams, webhook: "env:STAVANGER_TEAMS", environments: [prod]}
      - {name: epost, kind: email, to: [drift@stavanger.test.localhost]}
admin:
  - {name: drift, kind: email, to: [admin@test.localhost]}
"""
#: downtime, all delingstjenester ('*'), test environment (dev.jsonl label).
DOWNTIME_TEST = "2017-06-06-ustabilitet-testmiljo.md"
#: api_change, Inntekt API, environment unspecified.
INNTEKT_CHANGE = "2017-05-09-inntektsmottaker-informasjonsmodell.md"


@pytest.fixture()
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def post(corpus_dir: Path, name: str) -> str:
    return str(corpus_dir / "posts" / name)


def test_rules_test_lists_receivers_and_who_does_not_get_it_and_why(
    rules_file: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", post(corpus_dir, DOWNTIME_TEST), str(rules_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"file", "title", "classification", "recipients", "not_recipients", "expect"}
    assert report["file"] == DOWNTIME_TEST and report["expect"] is None
    label = report["classification"]
    assert (label["category"], label["apis"], label["environment"]) == ("downtime", ["*"], "test")
    assert [(r["kommune"], r["channel"]) for r in report["recipients"]] == [
        ("0301", "slack"),
        ("0301", "epost"),
        ("1103", "epost"),
    ]
    assert report["recipients"][0]["why"] == ["Alle delingstjenester"]
    assert [(s["kommune"], s["channel"], s["reason"]) for s in report["not_recipients"]] == [
        ("4601", None, "environment"),
        ("5501", None, "category"),
        ("1103", "teams", "environment"),
        ("admin", "drift", "kommune_reached"),
    ]
    assert (
        report["not_recipients"][1]["detail"]
        == "kommunens filter: kategorien downtime er ikke blant api_change"
    )
    assert report["not_recipients"][2]["detail"] == "kanalfilter: miljøet test er ikke blant prod"


def test_rules_test_text_names_the_skipped_with_reasons(
    rules_file: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", post(corpus_dir, INNTEKT_CHANGE), "--rules", str(rules_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("  får varselet:")
    assert lines[start:] == [
        "  får varselet:",
        "    -> 0301 Oslo / slack: Inntekt API (rettighetspakke kommuneBoligsosialeFormaal)",
        "    -> 4601 Bergen / teams: Inntekt API (rettighetspakke saernamsmann)",
        "    -> 1103 Stavanger / teams: Inntekt API (oppført under apis i regelfila)",
        "    -> 1103 Stavanger / epost: Inntekt API (oppført under apis i regelfila)",
        "  får det ikke:",
        "    -- 0301 Oslo / epost: kanalfilter: kategorien api_change er ikke blant "
        "downtime, error, resolved",
        "    -- 5501 Tromsø: kommunen bruker ingen av API-ene inntekt",
        "    -- admin Administrator / drift: administratorkanalen uten kategorifilter får bare varsler "
        "ingen kommune fikk",
    ]


def test_rules_test_expect_exits_1_on_a_difference_and_0_on_a_match(
    rules_file: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = post(corpus_dir, DOWNTIME_TEST)
    args = ["rules", "test", notice, "--rules", str(rules_file), "--expect"]
    assert main([*args, "0301:slack,0301:epost,1103:epost"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  --expect: OK (3 mottakere som ventet)"
    assert main([*args, "0301:slack,4601:teams,1103:epost"]) == 1
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "  --expect: AVVIK",
        "    mangler:  4601:teams",
        "    uventet:  0301:epost",
    ]
    assert main([*args, "", "--json"]) == 1
    expect = json.loads(capsys.readouterr().out)["expect"]
    assert expect == {
        "ok": False,
        "expected": [],
        "missing": [],
        "unexpected": ["0301:epost", "0301:slack", "1103:epost"],
    }
    assert main([*args, "0301"]) == 1
    assert "--expect: '0301' is not KOMMUNE:CHANNEL" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["README.md", "rules.yaml"])
def test_rules_test_on_a_file_that_is_not_a_notice_exits_2(
    rules_file: Path, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if name == "README.md":
        path.write_text("# driftsvarsel-monitor\n\nNedetid i Inntekt API i kveld.\n", encoding="utf-8")
    assert main(["rules", "test", str(path), "--rules", str(rules_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing classified
    assert captured.err.startswith(f"Error: {path}: not a notice file: it has no front matter with a title")


def test_rules_explain_without_kommune_is_one_table(
    rules_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "explain", str(rules_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["KOMMUNE", "0301", "4601", "5501", "1103", "(4"]
    assert lines[2].split()[:2] == ["4601", "Bergen"]
    assert lines[2].rstrip().endswith("miljø prod (+ both/unspecified)")
    assert lines[-1] == "(4 kommuner; administratorkanaler: drift)"


def test_rules_explain_json_for_one_and_for_all(rules_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "explain", "--rules", str(rules_file), "--kommune", "1103", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "rules": str(rules_file),
        "kommuner": [
            {
                "kommunenummer": "1103",
                "navn": "Stavanger",
                "rettighetspakker": [],
                "apis": [
                    {"api": "inntekt", "why": "Inntekt API (oppført under apis i regelfila)", "scopes": []}
                ],
                "filter": {"categories": None, "environments": None},
                "channels": [
                    {
                        "name": "teams",
                        "kind": "teams",
                        "target": "env:STAVANGER_TEAMS",
                        "fallback": None,
                        "filter": {"categories": None, "environments": ["prod"]},
                    },
                    {
                        "name": "epost",
                        "kind": "email",
                        "target": "drift@stavanger.test.localhost",
                        "fallback": None,
                        "filter": {"categories": None, "environments": None},
                    },
                ],
            }
        ],
        "admin": [
            {
                "name": "drift",
                "kind": "email",
                "target": "admin@test.localhost",
                "fallback": None,
                "filter": {"categories": None, "environments": None},
            }
        ],
    }
    assert main(["rules", "explain", str(rules_file), "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert [k["kommunenummer"] for k in every["kommuner"]] == ["0301", "4601", "5501", "1103"]
    oslo = every["kommuner"][0]
    assert [api["api"] for api in oslo["apis"]] == ["inntekt", "summertskattegrunnlag"]


def test_every_rules_action_takes_the_file_the_same_ways(
    rules_file: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = post(corpus_dir, DOWNTIME_TEST)
    path = str(rules_file)
    for action in (["check", "--offline"], ["explain"], ["test", notice]):
        assert main(["rules", *action, path]) == 0
        positional = capsys.readouterr().out
        assert main(["rules", *action, "--rules", path]) == 0
        assert capsys.readouterr().out == positional
        assert main(["rules", *action, path, "--rules", path]) == 0
        assert capsys.readouterr().out == positional
        monkeypatch.setenv("DRIFTSVARSEL_RULES", path)
        assert main(["rules", *action]) == 0
        assert capsys.readouterr().out == positional
        monkeypatch.delenv("DRIFTSVARSEL_RULES")
        assert main(["rules", *action, path, "--rules", "other.yaml"]) == 1
        assert "two rules files given" in capsys.readouterr().err
