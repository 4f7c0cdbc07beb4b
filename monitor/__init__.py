"""driftsvarsel-monitor: Skatteetaten's operational notices, routed to the kommuner they concern."""

__version__ = "0.1.0"
USER_AGENT = f"driftsvarsel-monitor/{__version__} (+https://github.com/; kommune driftsvarsel monitor)"
