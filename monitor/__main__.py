"""`python -m monitor` is the same as the `driftsvarsel` command."""

from monitor.cli.main import main

raise SystemExit(main())
