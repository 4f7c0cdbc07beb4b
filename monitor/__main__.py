"""`python -m monitor` is the same as the `driftsvarsel` command."""

from monitor.cli import main

raise SystemExit(main())
