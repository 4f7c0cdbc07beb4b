"""The local replay behind `driftsvarsel demo`, and the stand-in receivers it and the tests use.

`run` drives the real pipeline over `replay` (Skatteetaten's saved notices served from a
`localserver`); `receivers` are loopback stand-ins for Slack, Teams and SMTP that check what the
real services check. Nothing in the daemon imports this package.
"""
