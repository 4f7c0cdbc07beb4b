"""Rules first, the statistical model where the rules are weak; the shipped model file is read here.

    blend_category(category, reasons, unsure, prediction, threshold) -> (category, reasons)
    shipped_model() -> NaiveBayes | None    monitor/data/category_model.json, read once

The model may change the rules' category only where the rules' evidence is weakest, and only when
its probability is at least `threshold` from at least MIN_FEATURES known features:
- never where the rules decided from a status-page status (structure beats text);
- an info or API-change reading (the rules' default, or a term met in passing) may become anything;
- an error may become resolved (the rules miss resolutions said in new words: "svarer slik den skal"),
  but only at SLIGHT_THRESHOLD ("Vi undersøker ... i formiddag" at p=0.992 is still an error);
- an error from the operations-notice safety net (no other term at all) may become anything;
- an error that rests on one or two words for faults in general met in the body only ("feil" in a
  list of changes, "driftsproblemer" in a holiday notice) may become info or an API change, but
  only at SLIGHT_THRESHOLD, stricter than the rest;
- an info or API-change reading never becomes downtime where the notice says there is none
  ("Vi forventer ingen nedetid");
- a downtime never changes: an unavailability word decides under the GUIDE's precedence; a sure
  error or downtime never becomes info or an API change (a missed outage costs most). The one
  exception: a downtime read only from words for the topic ("varsler om planlagt nedetid kommer som
  før her") in the body, with no window stated, may become info at SLIGHT_THRESHOLD.
These limits were chosen from bench/model_cv.py's leave-one-batch-out overrides (see FIRST_SIGHT.md).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from monitor.classify.learned import NaiveBayes, Prediction
from monitor.model import REASON_NO_DOWNTIME, REASON_STILL_OPEN, Category

MODEL_FILE = "category_model.json"
DATA_PACKAGE = "monitor.data"
THRESHOLD = 0.99
#: Fewer known features than this is too little evidence to overrule anything ("Det blir ingen nedetdi.").
MIN_FEATURES = 15
#: The model must be surer than this to turn an error read from a word in passing into info or an API change.
SLIGHT_THRESHOLD = 0.999
#: At most this many distinct body-only terms make an error reading slight.
SLIGHT_TERMS = 2
_TERM = re.compile(r"'([^']*)' in (title|body)")
# Only a word for faults in general ("feil", "driftsproblemer", "feilretting") is slight; a state
# ("viser ikke innrapporterte inntekter", "er nede") is a report and never is.
_TOPIC_WORD = re.compile(r"^[\wæøå-]*(?:feil|problem|forstyrr|ustabil)[\wæøå-]*$", re.IGNORECASE)
_DOWNTIME_NOUN = re.compile(
    r"^[\wæøå-]*(?:nedetid|vedlikeh[oa]ld|avbrot|avbrudd|driftsstans)[\wæøå-]*$", re.IGNORECASE
)
_OUTAGES = ("error", "downtime")
_QUIET = ("info", "api_change")


@cache
def shipped_model() -> NaiveBayes | None:
    """The trained model shipped with the package, or None when the file is absent."""
    try:
        text = resources.files(DATA_PACKAGE).joinpath(MODEL_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return NaiveBayes.from_json(text)


def structural(reasons: list[str]) -> bool:
    """Whether the rules decided from a status-page status rather than from words, or an open
    status-page chain holds the incident its words tell ("status 'Undersøkes': not over yet")."""
    return any(
        (reason.startswith("category ") and "status '" in reason)
        or (reason.startswith("status '") and reason.endswith(REASON_STILL_OPEN))
        for reason in reasons
    )


def slight(reasons: list[str], category: Category, words: re.Pattern[str] = _TOPIC_WORD) -> bool:
    """Whether the rules' `category` rests on at most SLIGHT_TERMS `words` for the topic, all in the body."""
    for reason in reasons:
        if reason.startswith(f"category {category}: "):
            terms = _TERM.findall(reason)
            distinct = {term.casefold() for term, _ in terms}
            in_body = all(where == "body" for _, where in terms)
            nouns = all(words.match(term) for term, _ in terms)
            return bool(terms) and in_body and nouns and len(distinct) <= SLIGHT_TERMS
    return False


def _may_overrule(
    rules: Category, prediction: Prediction, rules_unsure: bool, reasons: list[str], window_stated: bool
) -> bool:
    if prediction.category == "downtime" and any(REASON_NO_DOWNTIME in reason for reason in reasons):
        return False
    if rules in _QUIET or rules_unsure:
        return True
    if rules == "downtime":
        sure = prediction.probability >= SLIGHT_THRESHOLD and not window_stated
        return sure and prediction.category == "info" and slight(reasons, rules, _DOWNTIME_NOUN)
    if rules != "error":
        return False
    if prediction.category == "resolved":
        return prediction.probability >= SLIGHT_THRESHOLD
    return prediction.probability >= SLIGHT_THRESHOLD and slight(reasons, rules)


def blend_category(
    category: Category,
    reasons: list[str],
    category_unsure: bool,
    prediction: Prediction,
    threshold: float = THRESHOLD,
    *,
    window_stated: bool = True,
) -> tuple[Category, list[str]]:
    """The category after the model has had its say, with the reasons (the model's always shown)."""
    said = prediction.describe()
    if prediction.category == category:
        return category, [*reasons, f"{said}: agrees"]
    if prediction.probability < threshold or prediction.known < MIN_FEATURES:
        return category, [*reasons, f"{said}: not confident enough to overrule the rules"]
    if structural(reasons):
        return category, [*reasons, f"{said}: the status-page status decides"]
    if not _may_overrule(category, prediction, category_unsure, reasons, window_stated):
        return category, [*reasons, f"{said}: the rules' {category} stands (strong evidence)"]
    return prediction.category, [f"category {prediction.category}: {said} overrules the rules", *reasons]
