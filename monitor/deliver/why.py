"""The Norwegian "why" footer of an alert (pure): who it concerns and why it got its category.

"Gjelder Inntekt API (rettighetspakke kommuneBoligsosialeFormaal). Klassifisert som feil:
«driftsproblemer» i tittelen."

The classifier writes its reasons for `classify --explain` in a fixed English grammar
(`category error: 'driftsproblemer' in title, 'feil' in body`, `planned: 'planlagt'`, ...). This
module reads that grammar back into terms and places and words them in Norwegian; a reason it
cannot read is left out, never shown in English. Reasons from other producers (health probes,
documentation diffs) are Norwegian already and pass through.
"""

from __future__ import annotations

import re

from monitor.model import Alert

FOOTER_REASONS = 2
#: The category as a word inside a sentence ("Klassifisert som feil").
CATEGORY_WORDS: dict[str, str] = {
    "downtime": "nedetid",
    "error": "feil",
    "resolved": "løst",
    "api_change": "API-endring",
    "info": "informasjon",
}
#: Prefixes of the classifier's own (English) reasons; these are never shown as they are.
CLASSIFIER_PREFIX = re.compile(
    r"(category \w+|planned|unplanned|apis|environment \w+|window(?: \(\w+\))?|model):"
)
#: A category reason from the statistical model that overruled the rules (monitor/classify/blend.py).
_MODEL = re.compile(r"model: \w+ \(p=([0-9.]+)")
_HIT = re.compile(r"'([^']*)' in (title|body)")
_PLACES = {"title": "i tittelen", "body": "i teksten"}


def footer_text(alert: Alert) -> str:
    """The footer: "Gjelder ..." (or why the admin route got it), then the classification."""
    parts: list[str] = []
    why = [_clause(text) for text in alert.why]
    if why and alert.kommune_number == "admin":
        parts.append("Sendt til administratorene: " + "; ".join(why) + ".")
    elif why:
        parts.append("Gjelder " + "; ".join(why) + ".")
    parts.append(classified_text(alert.classification.category, alert.classification.reasons))
    return " ".join(parts)


def classified_text(category: str, reasons: tuple[str, ...]) -> str:
    """ "Klassifisert som feil: «driftsproblemer» i tittelen." from the classification's reasons."""
    word = CATEGORY_WORDS.get(category, category)
    if reasons and _MODEL.match(_category_tail(reasons[0])):
        reasons = reasons[:1]  # the rules' reasons that follow argued for the category it overruled
    explained = [text for text in (norwegian_reason(reason) for reason in reasons) if text]
    if not explained:
        return f"Klassifisert som {word}."
    return f"Klassifisert som {word}: " + "; ".join(explained[:FOOTER_REASONS]) + "."


def norwegian_reason(reason: str) -> str | None:
    """One reason in Norwegian, or None when it adds nothing for a reader (or cannot be read)."""
    text = _clause(reason)
    match = CLASSIFIER_PREFIX.match(text)
    if match is None:
        return text or None  # a probe's or a documentation diff's reason: Norwegian already
    head, tail = match.group(1), text[match.end() :].strip()
    if head.startswith("category "):
        return _category_reason(tail)
    if head in ("planned", "unplanned"):
        return _planned_reason(head == "planned", tail)
    return None  # APIs, environment and window are fields of the message already


def _category_tail(reason: str) -> str:
    match = re.match(r"category \w+: ", reason)
    return reason[match.end() :] if match else ""


def _category_reason(tail: str) -> str | None:
    model = _MODEL.match(tail)
    if model:
        share = f"{float(model.group(1)) * 100:.1f}".replace(".", ",")
        return f"en statistisk modell trent på merkede varsler (sannsynlighet {share} %)"
    if tail.startswith("operations notice"):
        inner = _hits(tail)
        where = inner or ("merket «Drift»" if "tagged Drift" in tail else "")
        return f"driftsmelding ({where}) uten andre kjennetegn" if where else "driftsmelding"
    topic = re.fullmatch(r"topic '([^']*)' in title outweighs '([^']*)'", tail)
    if topic:
        return f"emnet «{topic.group(1)}» i tittelen veier tyngre enn «{topic.group(2)}»"
    if tail.startswith("no downtime, error"):
        return "ingen ord om nedetid, feil, løst feil eller API-endring"
    return _hits(tail) or None


def _planned_reason(planned: bool, tail: str) -> str | None:
    word = "planlagt" if planned else "uplanlagt"
    quoted = re.fullmatch(r"'([^']*)'", tail)
    if quoted:
        return f"{word} («{quoted.group(1)}»)"
    if tail.startswith("the window starts after"):
        return "planlagt (tidsrommet begynner etter at varselet ble publisert)"
    if tail.startswith("announced downtime"):
        return "planlagt (varslet på forhånd)"
    return None


def _hits(text: str) -> str:
    """ "'a' in title, 'b' in body" → "«a» i tittelen, «b» i teksten" (the first three)."""
    return ", ".join(f"«{term}» {_PLACES[place]}" for term, place in _HIT.findall(text)[:3])


def _clause(text: str) -> str:
    return " ".join(text.split()).rstrip(".")
