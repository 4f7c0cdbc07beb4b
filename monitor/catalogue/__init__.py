"""The fixed facts the monitor reasons with: APIs, rettighetspakker, scopes, hosts, kommuner.

`apis` holds Skatteetaten's kommune APIs (names, old names, groups, gateway hosts) and the
rettighetspakke → scope → API table; `kommuner` reads SSB's list of kommuner shipped in
`monitor/data/kommuner.csv`. Pure lookups, no I/O beyond reading the packaged data once.
"""
