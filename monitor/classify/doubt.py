"""Where the classifier is unsure, and what else the notice may be: fail towards the reader.

- category: an info or API-change notice whose text still reports a fault ("Webinar ... vanlige
  feil", an info title over "er nede" in the body) may be an incident: `incident_alternative`
  names the incident category, and routing lets it through filters as if it were one;
- apis (incidents only): `api_candidates` names the APIs the notice may also concern, so alerts go
  to the union: an incident that names no kommune API but one of the skatteoppgjør group or all
  APIs in passing, or an incident about named APIs whose body also speaks of all APIs.

- environment: a test-only or prod-only notice told by one short word only ("AT", "test", "prod")
  may be misread; routing then lets it past environment filters.

Pure functions of the prepared text; they never change the best guess itself.
"""

from __future__ import annotations

import re
from datetime import date

from monitor.classify.apis import INCIDENTS, SKATTEOPPGJOR_APIS, bare_settlement, named_apis
from monitor.classify.category import downtime_hits, error_hits
from monitor.classify.text import Prepared
from monitor.classify.vocab import Vocabulary
from monitor.model import ALL_APIS, Category, Environment

QUIET: tuple[Category, ...] = ("info", "api_change")
# "fekk skatteoppgjeret sitt", "skatteoppgjøret i Min side": a person's settlement, not the APIs.
# "avviker fra skatteoppgjøret", "stemmer med skatteoppgjeret", "sjølv om skatteoppgjeret har
# trinnskatt": compared with a settlement.
_OWN_BEFORE = re.compile(
    r"\b(?:fikk|fekk|får|mottok|mottar|fått|avviker\s+fra|avvik\s+frå|avvik\w*\s+fr[aå]|stemmer\s+(?:ikke\s+)?med"
    r"|stemmer\s+(?:ikkje\s+)?med|samsvar\w*\s+med|som\s+i|i\s+tråd\s+med|selv\s+om|sjølv\s+om|sjøl\s+om)\s+$",
    re.IGNORECASE,
)
_OWN_AFTER = re.compile(
    r"^\s+(?:sitt|sine|deira|deres|hans|hennes|hennar|i\s+min\s+side|på\s+min\s+side)\b", re.I
)
_WEAK_ENVIRONMENT = frozenset({"test", "at", "prod", "ver2"})
# Nouns an info notice uses about the topic in general ("planlagt nedetid", "vanlige feil", "merker
# feil eller treghet"); a fault in progress is told with a state ("er nede", "er utilgjengelig",
# "svarer ikke", "forsinket").
_TOPIC_NOUNS = re.compile(
    r"^(?:\w*nedetid|\w*vedlikeh[oa]ld|\w*feil|\w*problem|driftsforstyrr|ustabil|treghet)\w*$", re.IGNORECASE
)


def _settlement(text: str, match: re.Match[str]) -> bool:
    """Whether a bare "skatteoppgjøret" speaks of someone's settlement rather than the group of APIs."""
    if not bare_settlement(match.group(0)):
        return False
    before, after = text[max(0, match.start() - 30) : match.start()], text[match.end() : match.end() + 16]
    return bool(_OWN_BEFORE.search(before) or _OWN_AFTER.match(after))


def incident_alternative(prepared: Prepared, vocabulary: Vocabulary, category: Category) -> Category | None:
    """The incident category an info/API-change notice may be after all, or None when it is sure."""
    if category not in QUIET:
        return None
    if any(not _TOPIC_NOUNS.match(hit.term) for hit in downtime_hits(prepared, vocabulary)):
        return "downtime"
    if any(not _TOPIC_NOUNS.match(hit.term) for hit in error_hits(prepared, vocabulary)):
        return "error"
    return None


def api_candidates(
    prepared: Prepared, vocabulary: Vocabulary, reference: date, category: Category, apis: tuple[str, ...]
) -> tuple[str, ...]:
    """Other APIs the notice may concern (sorted), or () when the API set is sure."""
    if ALL_APIS in apis or category not in INCIDENTS:
        return ()  # an API change names its API precisely; a missed outage is what costs
    text = prepared.full_text
    candidates: set[str] = set(named_apis(prepared, vocabulary, reference)) - set(apis)
    groups = [match for match in vocabulary.find("group_skatteoppgjor", text) if not _settlement(text, match)]
    if apis:
        # Beside a named API a bare "skatteoppgjeret" is what the API returns ("har trinnskatt i
        # skatteoppgjeret"), not the group: only the group's own names widen.
        groups = [match for match in groups if not bare_settlement(match.group(0))]
    if groups:
        candidates |= set(SKATTEOPPGJOR_APIS) - set(apis)
    if category in ("downtime", "error") and vocabulary.has("all_api_terms", text):
        candidates.add(ALL_APIS)
    return tuple(sorted(candidates))


def environment_unsure(prepared: Prepared, vocabulary: Vocabulary, environment: Environment) -> bool:
    """Whether a prod- or test-only reading rests on one short, ambiguous word alone."""
    if environment not in ("prod", "test"):
        return False
    group = "prod_terms" if environment == "prod" else "test_terms"
    found = [match.group(0).lower() for match in vocabulary.find(group, prepared.full_text)]
    return len(found) == 1 and found[0] in _WEAK_ENVIRONMENT
