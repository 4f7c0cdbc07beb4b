"""rules.yaml → typed, validated `Rules`; every problem reported with file:line, path and fix.

`load` is the public face (`load_rules`, `default_rules_path`); `types` holds the frozen config
objects the rest of the monitor receives; `parse` reads YAML with line numbers; `settings`,
`kommuner`, `channels` and `probes` validate their sections; `secrets` resolves `env:`/`cred:`
references. Nothing here fetches, routes or sends.
"""
