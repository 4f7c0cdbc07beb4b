"""Local stand-ins for Slack, Teams Workflows and an SMTP server, for the demo and the tests.

Each listens on 127.0.0.1 only, checks what the real service checks (payload shape, Block Kit
limits, bot token, Adaptive Card version and size, optionally the Adaptive Card 1.5 schema),
records what it accepted, and can be told to fail: `receiver.fail(429, times=2, retry_after=3)`
or `receiver.delay = 2.0` (answer late, for timeout tests). All support `with` and start()/stop().

`jsonschema` is a test dependency: it is imported only when a schema path is given.
"""

from monitor.demo.receivers.slack import SlackMessage, SlackReceiver
from monitor.demo.receivers.smtp import ReceivedMail, SmtpReceiver
from monitor.demo.receivers.teams import TeamsMessage, TeamsReceiver

__all__ = ["ReceivedMail", "SlackMessage", "SlackReceiver", "SmtpReceiver", "TeamsMessage", "TeamsReceiver"]
