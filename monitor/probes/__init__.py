"""Health probes of the APIs kommuner use: plan, check, state machine, alerts, status.

`plan` decides which hosts to probe from the rules; `check` runs one probe (DNS, TLS, HTTP,
the API's own error codes); `maskinporten` does the test-only authenticated grant; `state`
turns results into up/down transitions with thresholds; `alerts` makes kommune alerts of them;
`round` runs one round and records it; `selfcheck` tells the monitor's own lost network from an
outage of the APIs; `once` is `probe --once [--dry-run]`; `status` builds what `driftsvarsel
status` prints (text and --json).
Scheduling lives in `monitor.service`.
"""
