"""The daemon: scheduling, signals, systemd notify, metrics and /healthz, logging, heartbeat.

`daemon.Daemon` schedules the pipeline, the probes (`probejob`) and the outbox worker with
APScheduler; `ops` records polls and sends the admin reports and heartbeat; `sdnotify`,
`signals`, `metrics` and `logsetup` are the process's edges. Like `pipeline` and `cli`, this
package composes the stages; no stage imports it.
"""
