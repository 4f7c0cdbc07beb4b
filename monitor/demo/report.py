"""What `driftsvarsel demo` prints: each poll's changes, and what each kommune received.

The report is for a person trying the tool: counts with the right singular or plural, long
titles cut with "…", the `[*]`/`[-]` API marks explained once. Log lines never mix into it:
while the demo runs, logging goes to a file in the demo directory (`demo_logging`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.pipeline import PollReport

TITLE_CHARS = 70
LINE_CHARS = 100
LEGEND = (
    "   [...] after the category: the kommune APIs a change concerns;\n"
    "   [*] every kommune API, [-] none of them (only the admin route gets it)\n"
)


@dataclass
class Receivers:
    slack: SlackReceiver
    teams: TeamsReceiver
    smtp: SmtpReceiver


@contextmanager
def demo_logging(path: Path) -> Iterator[None]:
    """While the demo runs, every log line goes to `path` (INFO and up) and none to the terminal."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    saved = root.handlers[:], root.level
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.handlers, level = saved
        root.setLevel(level)
        handler.close()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 change", "2 changes", "0 messages"."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def cut(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, ending in "…" when it was cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def print_step(out: TextIO, step: int, reports: list[PollReport], sent: int) -> None:
    """One poll: per source its outcome and changes; then how many messages were delivered."""
    label = "baseline (nothing is sent for notices that already existed)" if step == 0 else f"poll {step}"
    out.write(f"== {label}\n")
    if step == 1:
        out.write(LEGEND)
    for report in reports:
        if report.outcome == "failed":
            out.write(f"   {report.source}: failed: {report.error}\n")
            continue
        out.write(f"   {report.source}: {report.outcome}, {plural(len(report.changes), 'change')}\n")
        if step == 0:
            continue
        for change in report.changes:
            classification = report.classifications[change.notice.notice_id]
            apis = ", ".join(classification.apis) or "-"
            title = cut(change.notice.title, TITLE_CHARS)
            out.write(f"     {change.kind:7} {classification.category:10} [{apis}] {title}\n")
    out.write(f"   delivered: {plural(sent, 'message')}\n")


def print_received(out: TextIO, receivers: Receivers) -> None:
    """Per kommune and channel: the first line of every message it received."""
    got: dict[str, list[str]] = defaultdict(list)
    for message in receivers.slack.received():
        owner = "Oslo / slack" if message.path.startswith("/services/") else "Tromsø / bot"
        thread = " (svar i tråd)" if message.thread_ts else ""
        got[owner].append(cut((message.text or "").partition("\n")[0], LINE_CHARS) + thread)
    for teams_message in receivers.teams.received():
        got["Bergen / teams"].append(_card_headline(teams_message.card))
    for mail in receivers.smtp.received():
        for recipient in mail.rcpt_tos:
            got[_mail_owner(recipient)].append(cut(str(mail.message["Subject"]), LINE_CHARS))
    out.write("\n== What each kommune received\n")
    for owner in sorted(got):
        out.write(f"-- {owner}: {plural(len(got[owner]), 'message')}\n")
        for line in got[owner]:
            out.write(f"     {line}\n")


def _card_headline(card: dict[str, object]) -> str:
    body = card.get("body")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return cut(str(body[0].get("text", "")), LINE_CHARS)
    return "(card)"


def _mail_owner(recipient: str) -> str:
    if "oslo" in recipient:
        return "Oslo / epost"
    if "bergen" in recipient:
        return "Bergen / epost"
    return "Administrator / epost"
