"""Notice → Classification: category, planned, APIs, environment, downtime window, reasons.

Rules follow shared/labels/GUIDE.md; the words they look for live in the vocabulary
(`monitor/data/vocabulary.yaml`, extended by rules.yaml's `vocabulary:` section).

    classify(notice, vocabulary=None) -> Classification   pure; the default vocabulary is cached
    load_vocabulary(extra=None) -> Vocabulary             raises UserError for unknown groups
    validate_vocabulary(extra) -> list[str]               every problem, for `rules check`
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from monitor.classify import vocab
from monitor.classify.apis import STRUCTURED_APIS, ComponentLookup, find_apis
from monitor.classify.blend import THRESHOLD, blend_category, shipped_model
from monitor.classify.category import decide, planned
from monitor.classify.doubt import api_candidates, environment_unsure, incident_alternative
from monitor.classify.environment import find_environment
from monitor.classify.learned import NaiveBayes, features
from monitor.classify.text import Prepared, prepare
from monitor.classify.vocab import Vocabulary
from monitor.classify.window import find_chain_window
from monitor.errors import UserError
from monitor.model import Classification, Notice, Window

__all__ = [
    "ComponentLookup",
    "Vocabulary",
    "classify",
    "load_vocabulary",
    "reference_date",
    "validate_vocabulary",
]

OSLO = ZoneInfo("Europe/Oslo")
_DATE_IN_ID = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")


def load_vocabulary(extra: Mapping[str, tuple[str, ...]] | None = None) -> Vocabulary:
    """The built-in vocabulary extended by `extra` (group name → extra terms).

    Raises UserError listing every problem (unknown group, bad term) when `extra` is wrong.
    Without `extra` the cached default is returned.
    """
    if not extra:
        return vocab.default()
    try:
        return vocab.build(extra)
    except ValueError as error:
        raise UserError(f"vocabulary: {error}") from error


def validate_vocabulary(extra: object) -> list[str]:
    """Problems with a `vocabulary:` section, e.g. "vocabulary.x: unknown group 'x' (known groups: ...)"."""
    return vocab.validate(extra)


def reference_date(notice: Notice) -> date:
    """The notice's own date in Oslo (published, else updated, else a date in its id).

    Years not written in the notice are taken from this date. A notice with no date at all
    falls back to 1 January 1970, which keeps `classify` pure (no clock).
    """
    moment: datetime | None = notice.published or notice.updated
    if moment is not None:
        return (moment.astimezone(OSLO) if moment.tzinfo else moment).date()
    match = _DATE_IN_ID.search(notice.notice_id)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    return date(1970, 1, 1)


def _starts_later(window: Window | None, notice: Notice) -> bool:
    """Whether the window starts on a later day than the notice was published: announced in advance.

    "Inntekt API er utilgjengelig søndag kl. 06-08" reads like an outage in progress, but a
    window in the future can only be a planned one.
    """
    moment = notice.published or notice.updated
    if window is None or window.start is None or moment is None:
        return False
    local = (moment.astimezone(OSLO) if moment.tzinfo else moment).replace(tzinfo=None)
    try:
        start = datetime.fromisoformat(window.start)
    except ValueError:
        return False
    # Days, not hours: a post file without a time in its front matter is dated at midnight.
    return start.date() > local.date()


def _find_window(
    notice: Notice, prepared: Prepared, words: Vocabulary, reference: date
) -> tuple[Window | None, str]:
    """A downtime's window: the source's own (a scheduled maintenance), else the one the text states."""
    if notice.window is not None:
        return notice.window, "window: stated by the source (scheduled start and end)"
    return find_chain_window(prepared, words, reference)


def classify(
    notice: Notice,
    vocabulary: Vocabulary | None = None,
    components: ComponentLookup | None = None,
    *,
    category_model: NaiveBayes | None = None,
    use_model: bool = True,
    model_threshold: float = THRESHOLD,
) -> Classification:
    """Classify one notice as published (title and body together); pure and fast.

    `components` maps status-page component names to APIs (monitor.catalogue.components); with it,
    a notice's "Berørte tjenester:" line decides the APIs before the text does. The category model
    (`category_model`, else the shipped one) may overrule the rules' category where they are weak
    (monitor.classify.blend); `use_model=False` gives the rules alone.
    """
    words = vocabulary or vocab.default()
    reference = reference_date(notice)
    prepared = prepare(notice.title or "", notice.text or "")
    category, reasons = decide(prepared, words, reference, notice.tags or ())
    found = _find_window(notice, prepared, words, reference) if category == "downtime" else None
    model = (category_model or shipped_model()) if use_model else None
    if model is not None:
        prediction = model.predict(features(notice.title or "", notice.text or ""))
        weak = any("safety net" in reason for reason in reasons)
        stated = found is None or found[0] is not None
        category, reasons = blend_category(
            category, reasons, weak, prediction, model_threshold, window_stated=stated
        )
    is_planned: bool | None = None
    window: Window | None = None
    if category == "downtime":
        is_planned, why = planned(prepared, words)
        window, window_why = found or _find_window(notice, prepared, words, reference)
        if not is_planned and _starts_later(window, notice):
            is_planned, why = True, f"planned: the window starts after the notice was published ({why})"
        reasons += [why, window_why]
    apis, apis_why = find_apis(prepared, words, reference, category, notice.tags, components)
    reasons.append(apis_why)
    environment, why = find_environment(prepared, words, category)
    reasons.append(why)
    alternative = incident_alternative(prepared, words, category)
    # Components on a status page name the APIs as data: the prose does not widen them.
    structured = apis_why.startswith(STRUCTURED_APIS)
    candidates = () if structured else api_candidates(prepared, words, reference, category, apis)
    doubts = (
        ("category", alternative),
        ("apis", candidates),
        ("environment", environment_unsure(prepared, words, environment)),
    )
    unsure = frozenset(name for name, doubt in doubts if doubt)
    if alternative is not None:
        reasons.append(f"unsure: may be {alternative} (its terms are in the text); routed as one too")
    if candidates:
        reasons.append(f"unsure: may also concern {', '.join(candidates)}; routed to the union")
    return Classification(
        category, is_planned, apis, environment, window, tuple(reasons), unsure, candidates, alternative
    )
