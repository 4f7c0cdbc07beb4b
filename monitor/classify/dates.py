"""Norwegian dates, times and durations as written in notices → tokens → one period.

`tokens(sentence, reference)` finds dates ("23.04", "27. februar", "søndag 31.12.23", "i kveld",
"i morgen tidlig"), weekdays, clock times ("kl. 16:00", "kl.0800", "klokken 18", "18-22"),
connectors (fra, til, mellom ... og, før, senest, eller) and durations ("ca. 1 time").
`monitor.classify.period` reads the first period they describe. Bokmål and nynorsk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "desember": 12, "des": 12,
}  # fmt: skip
WEEKDAYS = {
    "mandag": 0, "måndag": 0, "tirsdag": 1, "tysdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4,
    "lørdag": 5, "laurdag": 5, "søndag": 6, "sundag": 6,
}  # fmt: skip
NUMBER_WORDS = {"en": 1, "ett": 1, "ei": 1, "et": 1, "én": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5,
                "seks": 6, "halv": 0.5, "halvannen": 1.5, "halvanna": 1.5}  # fmt: skip
RELATIVE_DAYS = {"dag": 0, "kveld": 0, "natt": 0, "ettermiddag": 0, "formiddag": 0,
                 "morgen": 1, "morgon": 1, "går": -1, "gaar": -1}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)
_CLOCK = r"(?:kl\.?|klokken|klokka|kloka)\s*"
_UNITS = r"timer|timar|time|minutter|minutt|min|døgn|dager|dagar|uker|veker|prosent|%"
_SCANNER = re.compile(
    rf"""
    (?P<isodate>(?<![\d.-])(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})(?![\d]))
  | (?P<textdate>(?<![\d.])(?P<td>\d{{1,2}})\.?\s*(?P<tm>{_MONTH})\.?(?![\wæøå])(?:\s+(?P<ty>\d{{4}})\b)?)
  | (?P<dayonly>(?<![\d.:])(?P<dd>\d{{1,2}})\.?(?=\s*(?:-|–|til\s+og\s+med|til|eller|og)\s*
        (?:(?:{_WEEKDAY})\s+)?\d{{1,2}}\.?\s*(?:{_MONTH})(?![\wæøå])))
  | (?P<clock4>{_CLOCK}(?P<h4>\d{{2}})(?P<m4>\d{{2}})(?!\d))
  | (?P<clock>{_CLOCK}(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}})\d?)?(?![\d]))
  | (?P<barehour>(?:(?<=\bmellom\s)|(?<=\bfra\s)|(?<=\bfrå\s))(?P<bh>\d{{1,2}})
        (?=\s*(?:-|–|til|og)\s*\d{{1,2}}(?![\d:,]|\.\d)(?!\.?\s*(?:{_MONTH}|{_UNITS})(?![\wæøå]))))
  | (?P<dottime>(?<![\d.:])(?P<dh>[01]?\d|2[0-3])\.(?P<dm>00|1[3-9]|[2-5]\d)(?![\d:])(?!\.\d))
  | (?P<numdate>(?<![\d.:])(?P<nd>\d{{1,2}})\.(?P<nm>\d{{1,2}})
        (?:\.(?P<ny>\d{{4}}|\d{{2}}))?(?![\d:])(?!\.\d))
  | (?P<colon>(?<![\d.:])(?P<ch>\d{{1,2}}):(?P<cm>\d{{2}})\d?(?![\d:]))
  | (?P<relative>\bi\s*(?P<rel>dag|kveld|natt|ettermiddag|formiddag|morgen|morgon|går|gaar)\b
        (?:\s+(?:tidlig|tidleg|kveld|ettermiddag|morgen))?)
  | (?P<weekday>\b(?P<wd>{_WEEKDAY})s?\b)
  | (?P<duration>(?:\b(?:ca\.?|cirka|omtrent|inntil|opptil)\s*)?(?:\b(?P<dn>\d+)(?:\s*-\s*(?P<dn2>\d+))?
        |\b(?P<dw>en|ett|ei|et|én|to|tre|fire|fem|seks|halvannen|halvanna|halv))\s*
        (?P<du>timer|timar|time|minutter|minutt|min|døgn)\b)
  | (?P<between>\bmellom\b)
  | (?P<fromword>\bfra\s+og\s+med\b|\bfrå\s+og\s+med\b|\bfra\b|\bfrå\b|\bsiden\b|\bsidan\b
        |\bstart(?:er|ar|et|a)?\b|\bf\.o\.m\.?)
  | (?P<extend>\bforleng\w*\s+(?:[\wæøå]+\s+){{0,2}}?til\b(?!\s+og\s+med)
        |\b(?:planlag[td]\s+)?til\s*:|\bslutt(?:tid\w*)?\s+(?:er|blir|vert)\b)
  | (?P<until>\btil\s+og\s+med\b|\btil\b|\bt\.o\.m\.?|\bavslutt\w*|\bslutter\b|\bsluttar\b
        |\binnen\b|\bferdig\b|\s[-–]\s|(?<=\d)[-–]|(?<=\d\.)[-–])
  | (?P<andword>\bog\b)
  | (?P<before>\bfør\b)
  | (?P<latest>\bsenest\b|\bseinast\b|\bi\s+verste\s+fall\b|\bi\s+verste\s+tilfelle\b)
  | (?P<alternative>\beller\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_HOURS_AFTER_DATE = re.compile(
    rf"\s+(\d{{1,2}})\s*[-–]\s*(\d{{1,2}})(?![\d:,]|\.\d|\.?\s*(?:{_MONTH}|{_UNITS})(?![\wæøå]))",
    re.IGNORECASE,
)
_TIME_CONTINUATION = re.compile(
    r"\s*(?:-|–|til|og)\s*(?:kl\.?\s*|klokken\s*|klokka\s*)?"
    r"(?:(\d{1,2})(?:[:.](\d{2}))?|(\d{2})(\d{2}))(?![\d:]|-\d)(?!\.\d)"
)
# A date or time right after a reference to another notice ("meldt driftsvarsel 13.12.23",
# "Nytt oppdatert varsel kl. 14") is when that notice was or will be published, not a window.
_REFERENCE_REACH = 40  # longer than any "oppdatering - den " before a date
_NOTICE_REFERENCE = re.compile(
    r"(?:varsel|varslet|varsla|oppdatering|melding|meldt)\W{0,3}(?:den\s+)?$", re.I
)


@dataclass(frozen=True)
class Token:
    """One recognised piece: kind ∈ date, weekday, time, duration, from, until, between, and,
    before, latest, alternative. `day` for dates (month may be 0 until filled), `hour`/`minute`
    for times, `minutes` for durations, `text` as written."""

    kind: str
    text: str
    start: int
    day: date | None = None
    weekday: int | None = None
    hour: int = 0
    minute: int = 0
    minutes: float = 0.0
    month_missing: bool = False


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(written: str | None, reference: date) -> int:
    if not written:
        return reference.year
    return int(written) + (2000 if len(written) == 2 else 0)


def _time_token(match: re.Match[str], hour: str, minute: str | None, text: str) -> Token | None:
    hours, minutes = int(hour), int(minute or 0)
    if hours == 24 and minutes == 0:
        hours = 0
    if hours > 23 or minutes > 59:
        return None
    return Token("time", text, match.start(), hour=hours, minute=minutes)


def _token(match: re.Match[str], reference: date) -> Token | None:
    kind = match.lastgroup or ""
    group = match.group
    text, start = match.group(0), match.start()
    if kind == "isodate":
        day = _date(int(group("iy")), int(group("im")), int(group("id")))
        return Token("date", text, start, day=day) if day else None
    if kind == "textdate":
        day = _date(_year(group("ty"), reference), MONTHS[group("tm").lower()], int(group("td")))
        return Token("date", text, start, day=day) if day else None
    if kind == "dayonly":
        day_number = int(group("dd"))
        if not 1 <= day_number <= 31:
            return None
        return Token("date", text, start, day=date(reference.year, 1, 1).replace(day=day_number),
                     month_missing=True)  # fmt: skip
    if kind == "numdate":
        day = _date(_year(group("ny"), reference), int(group("nm")), int(group("nd")))
        return Token("date", text, start, day=day) if day else None
    if kind == "clock4":
        return _time_token(match, group("h4"), group("m4"), text)
    if kind == "clock":
        return _time_token(match, group("h"), group("m"), text)
    if kind == "colon":
        return _time_token(match, group("ch"), group("cm"), text)
    if kind == "barehour":
        # "mellom 10 og 11", "fra 16 til 20": hours without "kl." (never before a month or a unit)
        return _time_token(match, group("bh"), None, text)
    if kind == "dottime":
        # "mellom 07.00 og 07.30": a dotted time that cannot be a date (minutes 00 or over 12)
        return _time_token(match, group("dh"), group("dm"), text)
    if kind == "relative":
        offset = RELATIVE_DAYS[group("rel").lower()]
        return Token("date", text, start, day=reference + timedelta(days=offset))
    if kind == "weekday":
        return Token("weekday", text, start, weekday=WEEKDAYS[group("wd").lower()])
    if kind == "duration":
        return _duration(match, text, start)
    names = {"extend": "extend", "between": "between", "fromword": "from", "until": "until", "andword": "and",
             "before": "before", "latest": "latest", "alternative": "alternative"}  # fmt: skip
    return Token(names[kind], text.strip(), start) if kind in names else None


def _duration(match: re.Match[str], text: str, start: int) -> Token | None:
    amount: float
    if match.group("dn"):
        amount = float(match.group("dn2") or match.group("dn"))
    else:
        amount = float(NUMBER_WORDS[match.group("dw").lower()])
    unit = match.group("du").lower()
    factor = 60.0 if unit.startswith("tim") else 1440.0 if unit == "døgn" else 1.0
    return Token("duration", text, start, minutes=amount * factor)


def tokens(sentence: str, reference: date) -> list[Token]:
    """Every date/time/connector token of one sentence, in order (see the module docstring)."""
    found: list[Token] = []
    position = 0
    while position < len(sentence):
        match = _SCANNER.search(sentence, position)
        if match is None:
            break
        position = max(match.end(), position + 1)
        token = _token(match, reference)
        if token is None:
            continue
        if token.kind in ("date", "time") and _NOTICE_REFERENCE.search(
            sentence[max(0, match.start() - _REFERENCE_REACH) : match.start()]
        ):
            continue
        found.append(token)
        hours = _HOURS_AFTER_DATE.match(sentence, match.end()) if token.kind == "date" else None
        if hours is not None:  # "lørdag 4. juli 10–14": hours straight after a date
            first = _time_token(hours, hours.group(1), None, hours.group(1))
            second = _time_token(hours, hours.group(2), None, hours.group(2))
            if first and second:
                found.extend((first, Token("until", "-", hours.start()), second))
                position = hours.end()
        if token.kind == "time":
            follow = _TIME_CONTINUATION.match(sentence, match.end())
            second = follow and _time_token(
                follow,
                follow.group(1) or follow.group(3),
                follow.group(2) or follow.group(4),
                follow.group(0),
            )
            if follow and second:
                found.append(Token("until", "-", follow.start()))
                found.append(second)
                position = follow.end()
    return _fill_months(found)


def _fill_months(found: list[Token]) -> list[Token]:
    """A day written without its month ("17 til 19 november") takes the next date's month."""
    filled = list(found)
    for index, token in enumerate(filled):
        if not token.month_missing or token.day is None:
            continue
        later = next((t for t in filled[index + 1 :] if t.kind == "date" and not t.month_missing), None)
        if later is None or later.day is None:
            filled[index] = Token("skip", token.text, token.start)
            continue
        day = _date(later.day.year, later.day.month, token.day.day)
        filled[index] = Token("date", token.text, token.start, day=day) if day else Token("skip", "", 0)
    return [token for token in filled if token.kind != "skip"]
