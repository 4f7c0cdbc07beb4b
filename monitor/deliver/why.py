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

from monitor.model import REASON_DATA_MISSING, REASON_NO_DOWNTIME, Alert
from monitor.texts import nb, say

FOOTER_REASONS = 2
#: The category as a word inside a sentence ("Klassifisert som feil"), bokmål; nynorsk in monitor/texts.
CATEGORY_WORDS: dict[str, str] = {
    category: nb.TEXTS[f"word.{category}"]
    for category in ("downtime", "error", "resolved", "api_change", "info")
}
#: Prefixes of the classifier's own (English) reasons; these are never shown as they are.
CLASSIFIER_PREFIX = re.compile(
    r"(category \w+|planned|unplanned|apis|environment \w+|window(?: \(\w+\))?|model):"
)
#: A category reason from the statistical model that overruled the rules (monitor/classify/blend.py).
_MODEL = re.compile(r"model: \w+ \(p=([0-9.]+)")
_HIT = re.compile(r"'([^']*)' in (title|body)")
_PLACES = {"title": "reason.in_title", "body": "reason.in_body"}
_SAID = re.compile(rf"({re.escape(REASON_NO_DOWNTIME)}|{re.escape(REASON_DATA_MISSING)}) \((.*)\)")
_DOC_REASON = re.compile(r"dokumentasjonsendring: (\d+) linjer? endret i «(.*)»")
_SPEC_REASON = re.compile(r"OpenAPI: (\d+) brytende endringe?r?, (\d+) ikke-brytende")


def footer_text(alert: Alert) -> str:
    """The footer: "Gjelder ..." (or why the admin route got it), then the classification."""
    parts: list[str] = []
    language = alert.language
    why = [_clause(text) for text in alert.why]
    if why and alert.kommune_number == "admin":
        parts.append(say(language, "why.admin", why="; ".join(why)))
    elif why:
        parts.append(say(language, "why.kommune", why="; ".join(why)))
    parts.append(classified_text(alert.classification.category, alert.classification.reasons, language))
    return " ".join(parts)


def classified_text(category: str, reasons: tuple[str, ...], language: str = "nb") -> str:
    """ "Klassifisert som feil: «driftsproblemer» i tittelen." from the classification's reasons."""
    word = say(language, f"word.{category}") if category in CATEGORY_WORDS else category
    if reasons and _MODEL.match(_category_tail(reasons[0])):
        reasons = reasons[:1]  # the rules' reasons that follow argued for the category it overruled
    explained = [text for text in (norwegian_reason(reason, language) for reason in reasons) if text]
    if not explained:
        return say(language, "classified", word=word)
    return say(language, "classified_because", word=word, reasons="; ".join(explained[:FOOTER_REASONS]))


def norwegian_reason(reason: str, language: str = "nb") -> str | None:
    """One reason in Norwegian, or None when it adds nothing for a reader (or cannot be read)."""
    text = _clause(reason)
    match = CLASSIFIER_PREFIX.match(text)
    if match is None:  # a probe's or a documentation diff's reason: Norwegian already
        return _docs_reason(text, language) or text or None
    head, tail = match.group(1), text[match.end() :].strip()
    if head.startswith("category "):
        return _category_reason(tail, language)
    if head in ("planned", "unplanned"):
        return _planned_reason(head == "planned", tail, language)
    return None  # APIs, environment and window are fields of the message already


def _docs_reason(text: str, language: str) -> str | None:
    """A documentation/OpenAPI reason (`monitor.docs.check` writes them in bokmål) in `language`."""
    if language == "nb":
        return None
    doc = _DOC_REASON.fullmatch(text)
    if doc:
        count = int(doc.group(1))
        lines = say(language, "docs.line_one" if count == 1 else "docs.line_many", count=count)
        return say(language, "reason.doc_change", lines=lines, section=doc.group(2))
    spec = _SPEC_REASON.fullmatch(text)
    if spec:
        count, other = int(spec.group(1)), int(spec.group(2))
        breaking = say(language, "docs.breaking_one" if count == 1 else "docs.breaking_many", count=count)
        other_text = say(language, "docs.non_breaking_count", count=other)
        return say(language, "reason.openapi", breaking=breaking, other=other_text)
    return None


def _category_tail(reason: str) -> str:
    match = re.match(r"category \w+: ", reason)
    return reason[match.end() :] if match else ""


def _category_reason(tail: str, language: str) -> str | None:
    model = _MODEL.match(tail)
    if model:
        share = f"{float(model.group(1)) * 100:.1f}".replace(".", ",")
        return say(language, "reason.model", share=share)
    if tail.startswith("operations notice"):
        inner = _hits(tail, language)
        where = inner or (say(language, "reason.tagged_drift") if "tagged Drift" in tail else "")
        if where:
            return say(language, "reason.operations_where", where=where)
        return say(language, "reason.operations")
    topic = re.fullmatch(r"topic '([^']*)' in title outweighs '([^']*)'", tail)
    if topic:
        return say(language, "reason.topic", topic=topic.group(1), other=topic.group(2))
    if tail.startswith("no downtime, error"):
        return say(language, "reason.nothing")
    said = _SAID.fullmatch(tail)
    if said:
        key = "reason.no_downtime" if said.group(1) == REASON_NO_DOWNTIME else "reason.data_missing"
        return say(language, key, terms=said.group(2).replace("'", "").strip())
    return _hits(tail, language) or None


def _planned_reason(planned: bool, tail: str, language: str) -> str | None:
    word = say(language, "planned" if planned else "unplanned")
    quoted = re.fullmatch(r"'([^']*)'", tail)
    if quoted:
        return say(language, "reason.planned_term", planned=word, term=quoted.group(1))
    if tail.startswith("the window starts after"):
        return say(language, "reason.planned_later")
    if tail.startswith("announced downtime"):
        return say(language, "reason.planned_ahead")
    return None


def _hits(text: str, language: str = "nb") -> str:
    """ "'a' in title, 'b' in body" → "«a» i tittelen, «b» i teksten" (the first three)."""
    return ", ".join(f"«{term}» {say(language, _PLACES[place])}" for term, place in _HIT.findall(text)[:3])


def _clause(text: str) -> str:
    return " ".join(text.split()).rstrip(".")
