"""Bad input an admin meets gets `Error: ...` (or `file:line: path: problem (fix)`) and exit 1, never
a traceback, and nothing is lost: broken rules files, unusable state directories and databases,
broken label files, and a demo directory that holds someone else's files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import store
from monitor.cli.main import main
from monitor.store import open_db

REPO = Path(__file__).resolve().parent.parent
#: A minimal valid rules file; `{settings}` is replaced by extra lines under `settings:`.
RULES = """\
settings:
  state_dir: {state_dir}
{settings}
sources:
  - {{name: feed, kind: atom, url: "http://127.0.0.1:9/atom.xml", interval_seconds: 60}}
kommuner:
  - kommunenummer: "0301"
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: env:OSLO_SLACK_WEBHOOK}}
{extra}"""


def write_rules(tmp_path: Path, *, state_dir: str = "state", settings: str = "", extra: str = "") -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(state_dir=state_dir, settings=settings, extra=extra), encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return code, output


def run_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """For commands that configure logging (run, poll): a separate process, so no global state leaks."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


# -- rules check ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x [*x]\n", "rules.yaml:1: YAML: an alias (*name) refers to an anchor (&name) that contains it"),
        ("kommuner: &k\n  - channels: *k\n", "an alias (*name) refers to an anchor (&name) that contains it"),
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", "nested more than 50 levels deep"),
        (
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{name}: &{name} [{','.join([f'*{alias}'] * 9)}]\n"
                for alias, name in zip("abcde", "bcdef", strict=True)
            ),
            "values once aliases (*name) are expanded",
        ),
    ],
    ids=["self-alias", "alias-loop", "deep-nesting", "alias-bomb"],
)
def test_rules_check_hostile_yaml_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    code, output = run_cli(capsys, "rules", "check", str(path))
    assert code == 1 and expected in output


def test_rules_check_huge_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("# padding\n" * 300_000, encoding="utf-8")
    code, output = run_cli(capsys, "rules", "check", str(path))
    assert code == 1 and "is far too large for a rules file" in output


def test_rules_check_path_below_a_file_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(tmp_path)
    code, output = run_cli(capsys, "rules", "check", str(rules / "x.yaml"))
    assert code == 1 and "x.yaml: cannot read it: Not a directory" in output


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "  slack_api_url: 'https://[::1'",
            "settings.slack_api_url: 'https://[::1' is not a valid web address",
        ),
        (
            "  slack_api_url: https://slack.com:99999/",
            "settings.slack_api_url: 'https://slack.com:99999/' is not a valid",
        ),
        ("  slack_api_url: 'https://a b/'", "settings.slack_api_url: 'https://a b/' is not a web address"),
        ("  give_up_hours: .nan", "settings.give_up_hours: expected a number, found '.nan'"),
        ("  request_timeout_seconds: .inf", "settings.request_timeout_seconds: expected a number"),
        (
            "  give_up_hours: 100000000000000",
            "settings.give_up_hours: 100000000000000.0 is too large (at most 8760)",
        ),
        (
            "  baseline_alert_days: 99999999999999999999",
            "settings.baseline_alert_days: 99999999999999999999 is too large (at most 3650)",
        ),
        (
            "  max_body_bytes: 99999999999999999999999",
            "settings.max_body_bytes: 99999999999999999999999 is too large (at most 1000000000)",
        ),
        ("  metrics_listen: '[::1'", "settings.metrics_listen: '[::1' is not host:port"),
    ],
)
def test_rules_check_bad_setting_values_are_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    code, output = run_cli(capsys, "rules", "check", str(write_rules(tmp_path, settings=line)))
    assert code == 1 and f"rules.yaml:3: {expected}" in output


def test_rules_check_huge_interval_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = write_rules(tmp_path, extra="probes:\n  interval_seconds: 99999999999999999999\n")
    rules.write_text(rules.read_text().replace("interval_seconds: 60}", "interval_seconds: 10000000}"))
    code, output = run_cli(capsys, "rules", "check", str(rules))
    assert code == 1
    assert "rules.yaml:5: sources[0].interval_seconds: 10000000 is too large (at most 604800)" in output
    assert "probes.interval_seconds: 99999999999999999999 is too large" in output


def test_rules_check_missing_or_unreadable_ca_file_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not-a-cert.pem").write_text("hello\n")
    smtp = "  smtp: {host: smtp.example.no, sender: a@example.no, ca_file: missing.pem}"
    rules = write_rules(tmp_path, settings=smtp, extra="probes:\n  ca_file: not-a-cert.pem\n")
    code, output = run_cli(capsys, "rules", "check", str(rules))
    assert code == 1
    assert f"rules.yaml:3: settings.smtp.ca_file: {tmp_path / 'missing.pem'} does not exist" in output
    assert f"probes.ca_file: {tmp_path / 'not-a-cert.pem'} cannot be read as CA certificates" in output


# -- the state directory and the database --------------------------------------------------------


def test_state_dir_that_is_a_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("")
    rules = write_rules(tmp_path, state_dir=str(tmp_path / "afile"))
    code, output = run_cli(capsys, "probe", "--once", "--rules", str(rules))
    assert code == 1
    assert f"Error: cannot create the database directory {tmp_path / 'afile'}: File exists" in output
    for command in ("run", "poll"):
        result = run_process(command, "--rules", str(rules), cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "Error: cannot create the database directory" in result.stderr


def test_database_that_is_a_directory_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "db").mkdir()
    code, output = run_cli(capsys, "status", "--db", str(tmp_path / "db"))
    assert code == 1 and "is a directory, not a file (give --db PATH of the database file)" in output
    code, output = run_cli(capsys, "backup", str(tmp_path / "copy.db"), "--db", str(tmp_path / "db"))
    assert code == 1 and "is a directory, not a file" in output
    rules = write_rules(tmp_path, settings="  database: ../db")
    code, output = run_cli(capsys, "probe", "--once", "--rules", str(rules))
    assert (
        code == 1
        and f"Error: cannot use the database {tmp_path / 'state' / '..' / 'db'}: unable to open database file"
        in output
    )


def test_corrupted_database_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "driftsvarsel.db"
    garbage = bytes(range(256)) * 64
    database.write_bytes(garbage)
    for command in (["status"], ["outbox"], ["outbox", "retry", "--all"], ["history", "x"]):
        code, output = run_cli(capsys, *command, "--db", str(database))
        assert code == 1 and f"Error: cannot use the database {database}: file is not a database" in output
    assert database.read_bytes() == garbage


def test_database_of_a_newer_version_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "driftsvarsel.db"
    open_db(database).conn.close()
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('driftsvarsel.outbox', 'm999_future', '2030-01-01')"
        )
    code, output = run_cli(capsys, "outbox", "--db", str(database))
    assert code == 1
    assert "was written by a newer driftsvarsel (it has migration driftsvarsel.outbox/m999_future" in output


def test_database_of_another_program_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "other.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    code, output = run_cli(capsys, "status", "--db", str(database))
    assert code == 1 and "is a SQLite database of something else (tables: users)" in output
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables == ["users"] and journal == "delete"


class ReadOnlyFile:
    """The os module as seen on a file system where `path` is read-only (and all else is real)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def access(self, path: str | Path, mode: int) -> bool:
        return Path(path) != self.path and os.access(path, mode)


def test_read_only_database_reads_but_refuses_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "driftsvarsel.db"
    open_db(database).conn.close()
    # As root, file modes do not stop writes; os.access is what the check asks. Only monitor.store
    # sees this read-only file system: the rest of the process keeps the real os.
    monkeypatch.setattr(store, "os", ReadOnlyFile(database))
    code, output = run_cli(capsys, "outbox", "--db", str(database))
    assert code == 0
    code, output = run_cli(capsys, "outbox", "retry", "--all", "--db", str(database))
    assert code == 1 and f"Error: the database {database} is read-only here" in output
    code, output = run_cli(
        capsys, "probe", "--once", "--rules", str(write_rules(tmp_path)), "--db", str(database)
    )
    assert code == 1 and "is read-only here" in output


def test_backup_into_a_file_as_directory_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "driftsvarsel.db"
    open_db(database).conn.close()
    (tmp_path / "afile").write_text("")
    code, output = run_cli(capsys, "backup", str(tmp_path / "afile" / "copy.db"), "--db", str(database))
    assert code == 1 and f"Error: {tmp_path / 'afile'} is not a directory" in output


# -- demo ----------------------------------------------------------------------------------------


def test_demo_never_empties_a_directory_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("keep me")
    code, output = run_cli(capsys, "demo", "--state-dir", str(tmp_path))
    assert (
        code == 1 and f"Error: {tmp_path} holds files the demo did not write, so it is left alone" in output
    )
    assert precious.read_text() == "keep me"


def test_demo_bad_state_dir_and_negative_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("")
    code, output = run_cli(capsys, "demo", "--state-dir", str(tmp_path / "afile" / "demo"))
    assert code == 1 and "Error: cannot create the demo directory" in output
    code, output = run_cli(capsys, "demo", "--state-dir", str(tmp_path / "new"), "--steps", "-1")
    assert code == 1 and "Error: --steps -1: give 0 (the baseline only) or more polls" in output


# -- eval ----------------------------------------------------------------------------------------


def test_eval_broken_label_files_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus_dir: Path
) -> None:
    post = str(sorted((corpus_dir / "posts").glob("*.md"))[0])
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\x80\xff\x00garbage")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"id": "no-such-post.md", "category": "info"}\n')
    code, output = run_cli(capsys, "eval", str(binary), post)
    assert code == 1 and f"Error: {binary}: not UTF-8 text (byte 0)" in output
    code, output = run_cli(capsys, "eval", str(empty), post)
    assert code == 1 and f"Error: {empty}: no labels in the file" in output
    code, output = run_cli(capsys, "eval", str(unknown), post)
    assert code == 1 and "none of its labelled posts was found among the FILEs given" in output


def test_eval_without_labels_names_only_what_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["eval"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: LABELS.jsonl\n" in capsys.readouterr().err
