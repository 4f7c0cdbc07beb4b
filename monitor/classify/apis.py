"""Which kommune APIs a notice concerns (GUIDE.md "apis").

In order:
0. the affected status-page components, when every one is known (structure before text);
1. every API ("*") when the title or the first paragraph speaks of all of Skatteetaten's APIs
   ("Alle Skatteetatens API-er", "eksterne API-er", "våre delingstjenester");
2. the kommune APIs named, by current or earlier name ("Inntektsmottaker", 2017-18
   "Skattegrunnlag API");
3. a group ("skatteoppgjørstjenestene") when nothing narrower is named, in title or body;
4. none ([]) when only other services are named (Restanser, MVA, event feeds ...), also in tags;
5. none ([]) for an incident of the status page or news feed itself (named in the title);
6. every API ("*") for unnamed services or shared dependencies (Maskinporten, Altinn), and for
   incidents that name no service at all ("Vi har for tiden driftsproblemer");
7. otherwise none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from monitor.classify.scope import clause_around, counted
from monitor.classify.text import Prepared
from monitor.classify.vocab import Vocabulary
from monitor.model import ALL_APIS, KOMMUNE_APIS

SKATTEOPPGJOR_APIS = ("beregnetskatt", "spesifisertsummertskattegrunnlag", "summertskattegrunnlag")
LEGACY_SKATTEGRUNNLAG_UNTIL = 2018
#: How the reason starts when the status page's components decided the APIs.
STRUCTURED_APIS = "apis: status-page components"
INCIDENTS = ("downtime", "error", "resolved")
#: A status-page component name → its API ids, or None when unknown (monitor.catalogue.components).
ComponentLookup = Callable[[str], tuple[str, ...] | None]
_AFFECTED = re.compile(
    r"^\s*(?:berørte|berørde|råka)\s+(?:tjenester|tenester|komponenter|komponentar)\s*:\s*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)
# The label of that line is structure, not a mention of "tjenester" (which would mean every API).
_AFFECTED_LABEL = re.compile(
    r"^\s*(?:berørte|berørde|råka)\s+(?:tjenester|tenester|komponenter|komponentar)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
# "Skattekort API", "Tenestepensjonsavtale API": a capitalised name before "API" (kommune APIs are
# found before this is asked).
_NAMED_API = re.compile(r"(?-i:\b([A-ZÆØÅ][\wæøå-]+(?:\s+[a-zæøå][\wæøå-]*){0,2}))\s+API\b(?![-'’])")
_NOT_A_NAME = frozenset(
    "alle andre nye nytt ny våre vårt vår dykkar deres eksterne skatteetatens skatteetaten det den dette "
    "denne eit et ett ein en hvert kvart hvilket kva hva ditt dykkar kommunens kommunane kommunene "
    "rest restful open åpent ope".split()
)
# A comparison or a successor: "de samme postene som X", "kontroller beløpene mot X", "X erstatter
# tjenesten" (not "samme feil i X", which reports X too).
_REFERENCE = re.compile(
    r"\b(?:samme|same)\b(?!\s+(?:feil|problem|endring|avvik|nedetid|vedlikeh)\w*)|\bsammenlign\w*|\bsamanlikn\w*"
    r"|\bkontroller\w*|\berstatt\w*|\bavløy?s\w*|\bi\s+stedet\s+for\b|\bistaden\w*",
    re.IGNORECASE,
)
# "Kall mot våre API", "Undersøking om API": words that make a phrase, not a name.
_FUNCTION_WORDS = frozenset(
    "på om av for mot i til med og eller fra frå etter ved under hos som de dei dere dykk oss våre vår "
    "alle alt er var blir vert vil kan skal the of to per hver hvert kvar kvart".split()
)
# A link's path names pages, not services ("…/datasamarbeid-api-dokumentasjon/feed.xml"); its host stays.
_URL_PATH = re.compile(r"(https?://[^/\s]+)/\S*")


def _opening(prepared: Prepared) -> str:
    """The title and the body's first paragraph, where a notice says what it is about."""
    body = prepared.body_sentences
    first = min((sentence.paragraph for sentence in body), default=0)
    return prepared.title + "\n" + " ".join(s.text for s in body if s.paragraph == first)


_BARE_SETTLEMENT = re.compile(r"skatteoppgj[øe]ret", re.IGNORECASE)


def bare_settlement(term: str) -> bool:
    """ "skatteoppgjøret" alone: often a person's settlement, never on its own a name of the group."""
    return _BARE_SETTLEMENT.fullmatch(term) is not None


def _first_in_scope(vocabulary: Vocabulary, group: str, text: str) -> re.Match[str] | None:
    """The first match of the group that the notice does not name only to leave out of scope."""
    found = counted(list(vocabulary.find(group, text)), text)
    return found[0] if found else None


def named_apis(prepared: Prepared, vocabulary: Vocabulary, reference: date) -> dict[str, str]:
    """Kommune API id → the text that named it ("Beregnet skatt API vert ikkje endra" does not, nor
    an API the body names only to compare with the one in the title)."""
    text = prepared.full_text
    named: dict[str, str] = {}
    for api in KOMMUNE_APIS:
        match = _first_in_scope(vocabulary, f"api_{api}", text)
        if match is not None:
            named[api] = match.group(0)
    if "summertskattegrunnlag" not in named:
        early = reference.year <= LEGACY_SKATTEGRUNNLAG_UNTIL
        legacy = "api_skattegrunnlag_legacy" if early else "api_skattegrunnlag_named"
        match = _first_in_scope(vocabulary, legacy, text)
        if match is not None:
            named["summertskattegrunnlag"] = match.group(0)
    return _without_references(prepared, vocabulary, named)


def _groups_of(api: str) -> tuple[str, ...]:
    """The vocabulary groups that name `api` (Summert skattegrunnlag also by its predecessor's name)."""
    if api == "summertskattegrunnlag":
        return (f"api_{api}", "api_skattegrunnlag_legacy", "api_skattegrunnlag_named")
    return (f"api_{api}",)


def _without_references(prepared: Prepared, vocabulary: Vocabulary, named: dict[str, str]) -> dict[str, str]:
    """Drop APIs the body names only to compare with the one in the title.

    "Spesifisert summert skattegrunnlag API er i produksjon ... de samme postene som Summert
    skattegrunnlag" concerns Spesifisert only; "samme feil i Summert skattegrunnlag" still counts.
    """
    in_title = {
        api for api in named if any(vocabulary.has(group, prepared.title) for group in _groups_of(api))
    }
    if not in_title or in_title == set(named):
        return named
    body = prepared.body
    kept = dict(named)
    for api in set(named) - in_title:
        mentions = [match for group in _groups_of(api) for match in vocabulary.find(group, body)]
        clauses = [clause_around(body, match.start(), match.end()) for match in mentions]
        if clauses and all(_REFERENCE.search(clause) for clause in clauses):
            del kept[api]
    return kept


def other_named_api(text: str, vocabulary: Vocabulary) -> str | None:
    """A service named "<Name> API" that is no kommune API ("Tenestepensjonsavtale API"), or None."""
    kommune = [f"api_{api}" for api in KOMMUNE_APIS] + ["api_skattegrunnlag_named"]
    for match in _NAMED_API.finditer(text):
        name = match.group(0)
        words = match.group(1).casefold().split()
        if words[0] in _NOT_A_NAME or any(word in _FUNCTION_WORDS for word in words):
            continue
        if not any(vocabulary.has(group, name) for group in kommune):
            return name
    return None


def find_apis(
    prepared: Prepared,
    vocabulary: Vocabulary,
    reference: date,
    category: str,
    tags: tuple[str, ...],
    components: ComponentLookup | None = None,
) -> tuple[tuple[str, ...], str]:
    """The sorted API ids (or ("*",) or ()) and the reason: the affected components first, then the text."""
    structured = _from_components(prepared, components) if components is not None else None
    if structured is not None:
        return structured
    text = prepared.full_text
    every = vocabulary.first("all_api_terms", _opening(prepared))
    if every is not None:
        return (ALL_APIS,), f"apis: '{every.group(0)}' → all"
    named = named_apis(prepared, vocabulary, reference)
    if named:
        # "Inntektsmottakar API" and "skatteoppgjerstenestene" in one notice: the group's APIs too
        # (GUIDE: a group that contains it), but not for a bare "skatteoppgjøret" (a settlement),
        # and not in an API change, which names the API it changes ("tilpasninger i
        # skatteoppgjørstjenestene ... spesifikasjon for Spesifisert summert skattegrunnlag API").
        group = _first_in_scope(vocabulary, "group_skatteoppgjor", text) if category != "api_change" else None
        if group is not None and not bare_settlement(group.group(0)):
            named.update((api, group.group(0)) for api in SKATTEOPPGJOR_APIS if api not in named)
        reason = ", ".join(f"'{term}' → {api}" for api, term in sorted(named.items()))
        return tuple(sorted(named)), f"apis: {reason}"
    other = vocabulary.first("other_api_terms", text)
    group = _first_in_scope(vocabulary, "group_skatteoppgjor", text)
    if group is not None and other is None:
        return SKATTEOPPGJOR_APIS, f"apis: group '{group.group(0)}' → {', '.join(SKATTEOPPGJOR_APIS)}"
    if other is not None:
        return (), f"apis: only other services named ('{other.group(0)}')"
    channel = vocabulary.first("notice_channel_terms", prepared.title)
    if channel is not None and category in INCIDENTS:
        return (), f"apis: an incident of Skatteetaten's notice channel ('{channel.group(0)}')"
    named_other = other_named_api(text, vocabulary)
    if named_other is not None:
        return (), f"apis: only another API named ('{named_other}')"
    tool = vocabulary.first("tool_terms", text)
    if tool is not None and vocabulary.first("all_api_terms", text) is None:
        return (), f"apis: a tool, not an API ('{tool.group(0)}')"
    tag_text = " ".join(tags)
    tagged = vocabulary.first("other_api_terms", tag_text)
    if tagged is not None:
        return (), f"apis: tagged with another service ('{tagged.group(0)}')"
    unlabelled = _AFFECTED_LABEL.sub("", _URL_PATH.sub(r"\1", text))
    service = _first_in_scope(vocabulary, "service_terms", unlabelled)
    if service is not None:
        return (ALL_APIS,), f"apis: unnamed services or shared dependency '{service.group(0)}' → all"
    if category in INCIDENTS:
        return (ALL_APIS,), "apis: incident names no service → all"
    return (), "apis: no API named"


def _from_components(prepared: Prepared, lookup: ComponentLookup) -> tuple[tuple[str, ...], str] | None:
    """APIs from a "Berørte tjenester: A, B" line when every component in it is known, else None."""
    match = _AFFECTED.search(prepared.body)
    if match is None:
        return None
    names = [name.strip() for name in match.group(1).split(",") if name.strip()]
    found = [lookup(name) for name in names]
    if not names or any(apis is None for apis in found):
        return None
    union = {api for apis in found if apis is not None for api in apis}
    apis = (ALL_APIS,) if ALL_APIS in union else tuple(sorted(union))
    return apis, f"{STRUCTURED_APIS} {', '.join(map(repr, names))} → {', '.join(apis) or 'none'}"
