"""The downtime window a notice states (GUIDE.md "window"), in Europe/Oslo local time.

Sentences that speak of the downtime (or of maintenance, upgrades, instability) are read first,
body before title; a period with a date and a clock time beats one with a date only, which beats
one with a clock time only (that one falls on the notice's date). A date-only period takes its
clock times from a time-only sentence nearby ("tirsdag morgen (09.05.2023). ... mellom kl. 07-08").
Sentences about anything else are not read: their dates are usually those of other notices.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from monitor.classify.chain import (
    STAMP_LINE,
    UPDATE_HEADER,
    latest_update,
    read_chain,
    scheduled_update,
    strip_label,
)
from monitor.classify.dates import tokens
from monitor.classify.fuzzy import CONTEXT_STEMS, misspelt
from monitor.classify.period import Period, bounds, merge_times, parse_period
from monitor.classify.text import Prepared, Sentence
from monitor.classify.vocab import Vocabulary
from monitor.model import Window

_CONTEXT = re.compile(
    r"oppgrader\w*|ustabil\w*|utsatt|utsett\w*|flytt\w*|hasteendring\w*|arbeidet\s+starter|stopp(?:a|es|ast|et)?\b"
    r"|^planlag[td]\b|^(?:tidsrom|tidspunkt|tid|når|periode|dato|start|slutt|ferdig|forventet\s+ferdig)\s*:"
    r"|\b(?:fra|frå|siden|sidan)\s+(?:ca\.?\s*)?kl\.?\s*\d|forleng\w*|\bny\s+(?:dato|tid|tidspunkt)\b|\bnytt\s+tidspunkt\b"
    # "Outage startet 07:52", "Feilen startet ca. kl. 10:50": when it began
    r"|\b(?:startet|starta|begynte|byrja)\s+(?:(?:ca|ca\.|cirka|omkring|rundt|om\s+lag)\s*)?(?:kl\.?\s*)?\d",
    re.IGNORECASE,
)
_TITLE_HINT = re.compile(r"\bi\s*(?:dag|kveld|natt|morgen|morgon)\b|\bkl\.?\s*\d|\bklokk", re.IGNORECASE)
# A status page update's own time stamp ("Løst (22.05.2024 kl. 12:30): ...") is when it was
# written, not the window.
_UPDATE_STAMP = re.compile(r"\(\s*\d{1,2}\.\d{1,2}\.\d{2,4}\s+kl\.?\s*\d{1,2}[:.]\d{2}\s*\)\s*:")
# "Vedlikeholdet som var planlagt 9. april er utsatt til 16. april": the new date is the window.
# Only where a date or time follows: "flytta til ny plattform" moves a service, not the window.
_MOVED_TO = re.compile(
    r"\b(?:utsatt|utsett|flyttet|flytta|endret|endra)\s+til\b(?=[^.]{0,40}\d)", re.IGNORECASE
)
OSLO = ZoneInfo("Europe/Oslo")
_UTC = re.compile(r"\b(?:UTC|GMT)\b")
# A newer status update that moves or extends the window: "Vedlikeholdsvinduet er forlenget til kl. 11.00".
_CHANGED = re.compile(r"forleng\w*|utsatt|utsett|flytt\w*|\bendr(?:et|a)\b|\bny\s+tid|nytt\s+tidspunkt", re.I)
_POSTPONED = re.compile(
    r"utsatt\s+(?:på\s+ubestemt\s+tid|inntil\s+videre|til\s+(?:senere|et\s+senere\s+tidspunkt))"
    r"|ny\s+dato\s+(?:kommer|er\s+ikke|blir\s+varslet)|utsett\s+på\s+uviss\s+tid",
    re.IGNORECASE,
)


def _quality(period: Period) -> int | None:
    if period.has_date and period.has_time:
        return 0
    if period.has_date:
        return 1
    if period.has_time:
        return 2
    return None


def _is_context(sentence: Sentence, vocabulary: Vocabulary) -> bool:
    text = strip_label(sentence.text)
    if vocabulary.has("downtime_terms", text) or _CONTEXT.search(text) or scheduled_update(sentence.text):
        return True
    if sentence.in_title and _TITLE_HINT.search(text):
        return True
    return bool(misspelt(text, CONTEXT_STEMS))


def _pick(
    prepared: Prepared, vocabulary: Vocabulary, reference: date
) -> tuple[Sentence, Period, Sentence | None] | None:
    """The sentence whose period is the window, plus the sentence its clock times came from."""
    ranked: list[tuple[tuple[int, int, int], Sentence, Period]] = []
    time_only: list[tuple[Sentence, Period]] = []
    ends: list[tuple[int, Period]] = []
    duration = 0.0
    sentences = prepared.sentences
    context = _listed([_is_context(sentence, vocabulary) for sentence in sentences], sentences)
    for order, sentence in enumerate(sentences):
        # "Skatteetaten gjennomfører en endring i kveld, ... mellom klokken 18 og 20. I forbindelse
        # med endringen vil det kunne forekomme nedetid ...": the sentence before counts too, and
        # "Arbeidet skal være ferdig innen kl. 05:00." after one gives its end.
        before = _neighbour(sentences, context, order, order + 1)
        after = _neighbour(sentences, context, order, order - 1)
        if not (context[order] or before or after):
            continue
        period = parse_period(tokens(_window_text(sentence.text), reference), reference)
        if period.end_only:
            ends.append((order, period))
        if not (context[order] or before):
            continue
        quality = _quality(period)
        if quality is None:
            duration = max(duration, period.duration_minutes)
            continue
        if quality == 2:
            time_only.append((sentence, period))
        ranked.append(((quality, 1 if sentence.in_title else 0, order), sentence, period))
    if not ranked:
        # "Tjenesten er fortsatt utilgjengelig. Ny forventet slutt er kl. 08:30.": only a new end.
        return (sentences[ends[0][0]], ends[0][1], None) if ends else None
    (_, _, chosen), sentence, period = min(ranked, key=lambda item: item[0])
    # "Dette vil medføre en nedetid på ca 2 timer." completes the sentence before it.
    period.duration_minutes = max(period.duration_minutes, duration)
    later_end = next((end for order, end in ends if order > chosen), None)
    if later_end is not None and not period.end_only and period.end_day is None and period.end_time is None:
        period.end_day, period.end_time = later_end.end_day, later_end.end_time
        period.latest, period.latest_time = later_end.latest, later_end.latest_time
    if _quality(period) == 1 and time_only:
        source, times = time_only[0]
        return sentence, merge_times(period, times), source
    return sentence, period, None


def _listed(context: list[bool], sentences: tuple[Sentence, ...]) -> list[bool]:
    """Lines listed after a context sentence that ends with ':' are context too (the periods of a list)."""
    return [flag or _introduced_by_colon(sentences, context, order) for order, flag in enumerate(context)]


def _introduced_by_colon(sentences: tuple[Sentence, ...], context: list[bool], order: int) -> bool:
    """Whether a context sentence ending with ':' opens the run of lines that `order` belongs to."""
    paragraph = sentences[order].paragraph
    for earlier in range(order - 1, -1, -1):
        sentence = sentences[earlier]
        if sentence.in_title or sentence.paragraph != paragraph:
            return False
        if sentence.text.rstrip().endswith(":"):
            return context[earlier]
    return False


def _window_text(text: str) -> str:
    """The part of a sentence that can state the window: without update stamps, and after
    "utsatt til" when a downtime was moved."""
    if STAMP_LINE.match(text) or UPDATE_HEADER.match(text):
        return ""  # when the update was written, not the window
    text = strip_label(_UPDATE_STAMP.sub(" ", text))
    moved = _MOVED_TO.search(text)
    return text[moved.end() :] if moved else text


def _neighbour(sentences: tuple[Sentence, ...], context: list[bool], order: int, other: int) -> bool:
    """Whether sentence `other` is a context sentence of the same body paragraph as `order`."""
    if not 0 <= other < len(sentences) or not context[other]:
        return False
    this, that = sentences[order], sentences[other]
    return not this.in_title and not that.in_title and this.paragraph == that.paragraph


def _format(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M")


def find_window(prepared: Prepared, vocabulary: Vocabulary, reference: date) -> tuple[Window | None, str]:
    """The window and a short reason ("window: '...' → 2022-04-21T08:00–16:00")."""
    if any(_POSTPONED.search(sentence.text) for sentence in prepared.sentences):
        return None, "window: postponed with no new date"
    picked = _pick(prepared, vocabulary, reference)
    if picked is None:
        return None, "window: no date or time stated"
    sentence, period, times_from = picked
    start, end = bounds(period, reference)
    if start is None and end is None:
        return None, "window: no date or time stated"
    if _UTC.search(sentence.text):  # "06:00 – 09:00 (UTC)": GUIDE windows are Norwegian local time
        start, end = _oslo(start), _oslo(end)
    window = Window(_format(start), _format(end))
    quoted = sentence.text if len(sentence.text) <= 80 else sentence.text[:77] + "..."
    where = "title" if sentence.in_title else "body"
    extra = f" + times from '{times_from.text[:60]}'" if times_from is not None else ""
    return window, f"window ({where}): '{quoted}'{extra} → {window.start or '?'}–{window.end or '?'}"


def _oslo(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(OSLO).replace(tzinfo=None)


def find_chain_window(
    prepared: Prepared, vocabulary: Vocabulary, reference: date
) -> tuple[Window | None, str]:
    """The window of a notice; in a status-page chain, a newer update that moves or extends it wins.

    "Pågår - ... forlenget til kl. 11.00" over "Planlagt - ... mellom 07.00 og 09.30" gives 07:00–11:00.
    """
    whole, why = find_window(prepared, vocabulary, reference)
    chain = read_chain(prepared)
    if chain is None or chain.updates < 2 or not any(_CHANGED.search(s.text) for s in chain.latest):
        return whole, why
    newest, newest_why = find_window(latest_update(prepared, chain), vocabulary, reference)
    if newest is None:
        return whole, why
    if newest.start is not None or whole is None:
        return newest, f"{newest_why} (the newest update changed the window)"
    return Window(whole.start, newest.end), f"{why}; end from the newest update: {newest_why}"
