"""Category (resolved > downtime > error > api_change > info) and `planned`, from title + body.

Each category has a term group; a term counts unless its clause says otherwise:
- resolved: not when future or conditional ("så snart problemet er rettet", "å få dette løst"),
  nor about the services not affected ("tjenestene for øvrig fungerer som normalt");
- downtime: not when negated right before ("ingen nedetid forventet"), and "unavailable" / "tas
  ned" not where something is retired for good ("den gamle URL-en er ikke tilgjengelig"); when no
  term is found, a misspelt key word counts ("Nedetdi", "utilgjengligt");
- error: not when hypothetical ("hvis dere opplever problemer", "eventuelle problemer"), negated,
  in a sentence that says it was fixed ("Vi har fikset enkelte visningsproblemer"), or in the past
  tense where another sentence says it was fixed, or in a table row (a contract's error codes);
- api_change: a new income year only when it is new ("inntektsår 2015" in 2018 is not), and
  not in a conditional clause ("hvis du har problemer med å finne riktig rettighetspakke");
  and an info topic in the title (terms of use, the status page, the news feed) makes it info.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from monitor.classify.chain import Chain, latest_update, read_chain
from monitor.classify.fuzzy import misspelt
from monitor.classify.scope import clause_around
from monitor.classify.text import Prepared, Sentence
from monitor.classify.vocab import Vocabulary
from monitor.model import REASON_DATA_MISSING, REASON_NO_DOWNTIME, REASON_STILL_OPEN, Category

_CLAUSE_START = re.compile(r"[,;:!?()«»\"]|\s[-–]\s|\bmen\b")
_INCOME_YEAR = re.compile(r"\b(?:inntektsår(?:et)?|inntektsaar|iå)\s*(\d{4})", re.IGNORECASE)
_LAST_WORDS = 3
_CLAUSE_REACH = 300
_OTHERS = re.compile(
    r"\b(?:for\s+øvrig|øvrige|elles|ellers|resten\s+av|dei\s+andre|de\s+andre)\b"
    r"|\bandre\s+(?:tjenest|tenest|api|delingst|system|løysing|løsning)",
    re.IGNORECASE,
)
# "Brukerstøtten er stengt i påsken": people closed for a holiday, not a service unavailable.
_PEOPLE = re.compile(
    r"\b(?:brukerstøtt\w*|brukarstøtt\w*|kundesenter\w*|kundesenteret|support\w*|sentralbord\w*|kontor\w*"
    r"|servicesenter\w*|telefon\w*|vakttelefon\w*|sakshandsam\w*|saksbehandl\w*"
    # Contact channels close too: "E-postadressen vi har brukt hittil, blir stengt".
    r"|e-post\w*|epost\w*|postkass\w*|e-postadress\w*|kontaktskjema\w*|chat\w*)",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"\s\|\s")
_CONDITIONAL = re.compile(r"\b(?:hvis|dersom|viss|om\s+du|om\s+dere)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:var|ble|blei|vart|hadde|har\s+vært|har\s+vore)\b", re.IGNORECASE)
_DRIFT_WORD = re.compile(r"\bdrifts?(?:varsel|melding|problem|hendelse|forstyrr|avvik)\w*", re.IGNORECASE)
_CLOSED = re.compile(r"steng|stenga|lukk", re.IGNORECASE)
_DECOMMISSION_SENSITIVE = re.compile(r"tilgjengel|ned\b|stopp|stans|steng", re.IGNORECASE)
# Signs that a state is a change back: "fungerer nå som normalt", "er tilbake", "oppe igjen", "fra kl. 9".
_RETURN = re.compile(
    r"\b(?:igjen|att|nå|no|tilbake|løst|løyst|rettet|retta|fikset|gjenoppretta|gjenopprettet|fra\s+kl|"
    r"frå\s+kl|etter|sidan|siden)\b",
    re.IGNORECASE,
)
_RETURN_NOW = re.compile(r"\b(?:igjen|att|tilbake|løst|løyst|rettet|retta|fikset)\b", re.IGNORECASE)
_NOT_CARRIED_OUT = re.compile(
    r"[^.,;:]{0,30}?\b(?:ikke|ikkje)\s+(?:\w+\s+)?(?:gjennomført|gjennomføres|gjennomførast|utført|utføres)\b",
    re.IGNORECASE,
)
_REMINDER = re.compile(r"påmin", re.IGNORECASE)
_STILL_WORD = re.compile(r"\b(?:framleis|fremdeles|fortsatt|enno|ennå)\b", re.IGNORECASE)
# Under "Overvåkes": "svartidene er framleis over det normale" — the fault is not gone.
_STILL = re.compile(
    r"\b(?:framleis|fremdeles|fortsatt|fortsett|enno|ennå|still)\s+(?:\w+\s+){0,4}?"
    r"(?:over|under|høy\w*|høg\w*|treg\w*|lang\w*|feil\w*|problem\w*|ustabil\w*|forsink\w*|mangl\w*|"
    r"utilgjeng\w*|ikke|ikkje|noen|nokre|enkelte|sporadisk\w*|avvis\w*|avvist\w*|[45]\d\d|del|delen|andel"
    r"|prosent|token\w*)\b",
    re.IGNORECASE,
)
# Maintenance is downtime only with unavailability (GUIDE): "Digdir ventar ikkje nedetid" takes it away.
_MAINTENANCE = re.compile(r"vedlikeh|oppgrader|maintenance|upgrade|service\s*vindu", re.IGNORECASE)
_NO_DOWNTIME = re.compile(
    r"\b(?:ingen|ikke|ikkje|uten|utan)\s+(?:[\wæøå]+\s+){0,2}?(?:nedetid\w*|brudd\w*|avbrot\w*|avbrudd\w*"
    r"|utilgjengelig\w*|utilgjengeleg\w*)",
    re.IGNORECASE,
)
_CALLED_OFF = re.compile(
    r"\b(?:avlys\w*|avlyst|utgår|utgått|utsatt|utsett|utset\w*|kansell\w*|flytt\w*|forlen[gj]\w*|forskyv\w*)",
    re.IGNORECASE,
)
# "A-meldinger ... er ikke tilgjengelige i Inntekt API. API-et svarer normalt": data missing, not an outage.
_ANSWERS_NORMALLY = re.compile(
    r"\b(?:api-et|api'et|apiet|api-a|api'a|tjenesten|tenesta)\s+(?:svarer|svarar|fungerer|fungerar|virker|verkar)"
    r"\s+(?:\w+\s+)?(?:som\s+)?normalt\b",
    re.IGNORECASE,
)
# "Selve API-et endres ikke", "Det er ingen endringer i tjenestene": the notice says the API stays
# as it is, so what else it changes (a form, an agreement) is not an API change.
_API_UNCHANGED = re.compile(
    r"\b(?:api-et|api'et|apiet|api-ene|api-a|tjenesten|tenesta|tjenestene|tenestene|grensesnittet)\s+"
    r"(?:\w+\s+)?(?:(?:endres|endrast)\s+(?:ikke|ikkje)|(?:blir|vert)\s+(?:ikke|ikkje)\s+endr\w*"
    r"|(?:er|blir|vert|forblir)\s+uendr\w*)\b"
    r"|\bingen\s+endring\w*\s+i\s+(?:selve\s+)?(?:api\w*|tjenest\w*|tenest\w*|grensesnitt\w*)",
    re.IGNORECASE,
)
_DOC_WORDS = r"dokumentasjon|beskriv|xsd|spesifikasjon|openapi|swagger"
_DOCUMENTATION = re.compile(_DOC_WORDS, re.IGNORECASE)
_REFETCH = re.compile(r"på\s+nytt$", re.IGNORECASE)
# What a documentation fix names: "Tabellen over feilkoder er rettet", "Skrivefeilen i eksempelet er retta".
_FIXED_TEXT = re.compile(
    rf"\b(?:{_DOC_WORDS}|tabell|eksempl?|skrivefeil|lenk|tekst|feilkode|feltbeskriv|skrivemåte|stavefeil|skildring"
    r"|døme)",
    re.IGNORECASE,
)
# "Varsler om", "varsel om planlagt", "informasjon om": the word after names what notices are about.
_ABOUT = re.compile(
    r"(?:\b(?:varsl\w*|varsel|meldinger|meldingar|informasjon|info)\s+om"
    r"|\b(?:hvordan|korleis|kor\s+tidleg|hvor\s+tidlig)\s+(?:vi\s+)?varsl\w*(?:\s+om)?)"
    r"\s+(?:planlagt\s+|planlagd\s+|planlagde\s+)?(?:[\wæøå-]+\s+(?:og|eller)\s+)?$",
    re.IGNORECASE,
)
# "planlagt nedetid bør varsles tidligere": the word is what notices are about.
_NOTIFIED = re.compile(
    r"\s+(?:bør\s+|skal\s+|blir\s+|vert\s+|vil\s+bli\s+|må\s+)?(?:varsl\w*|annonser\w*|kunngj\w*)",
    re.IGNORECASE,
)
_CONCESSIVE = re.compile(r"\b(?:selv|sjølv|sjøl)\s+om\b", re.IGNORECASE)
_BUT = re.compile(r"\bmen\b", re.IGNORECASE)
# Words that name maintenance or downtime as a topic, not a state of a service.
_TOPIC_DOWNTIME = re.compile(r"[\wæøå-]*(?:nedetid|vedlikeh[oa]ld)[\wæøå-]*", re.IGNORECASE)
# The work on a fault goes on: "Feilen er under analyse", "Vi undersøker", "Ny informasjon kommer".
_ONGOING = re.compile(
    r"\bunder\s+(?:analyse|utredning|arbeid|feilsøking)\b|\bvi\s+(?:undersøker|undersøkjer|feilsøker|feilsøkjer"
    r"|jobber\s+med|jobbar\s+med|arbeider\s+med|arbeidar\s+med|ser\s+på)\b"
    r"|\bny\s+(?:informasjon|melding|oppdatering)\s+(?:kommer|kjem)\b",
    re.IGNORECASE,
)
# General words for faults ("også ved feil eller forsinkelser"): a topic, unless a state says more.
_TOPIC_FAULT = re.compile(
    r"[\wæøå-]*(?:feil|problem|forsinkels|forseinking|ustabil|treghet)[\wæøå-]*", re.IGNORECASE
)
_TEST_DATA = re.compile(r"testdata\w*|testperson\w*|testpersonar|testpersonane", re.IGNORECASE)
_YEAR_OR_VERSION = re.compile(r"\b(?:19|20)\d\d\b|\bv\d+\b|\bversjon\w*|\binntektså\w*", re.IGNORECASE)
_ERROR_CODE = re.compile(r"\bfeilkode\w*\s+(?:for\s+|om\s+)?$", re.IGNORECASE)
_MEDIA_TYPE = re.compile(r"\+\w")
_DRIFT_TAG = re.compile(r"drift|driftsvarsel|driftsmelding", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """A term that fired: its group, the text it matched, and where."""

    group: str
    term: str
    in_title: bool
    standing: bool = False  # a state with no sign of a change back ("fungerer som normalt")

    def describe(self) -> str:
        return f"'{self.term}' in {'title' if self.in_title else 'body'}"


def clause_before(text: str, position: int) -> str:
    """The text between the start of the match's clause and the match."""
    # Only the last _CLAUSE_REACH characters: a clause is never longer, and a notice without
    # punctuation must not make this quadratic.
    reach = max(0, position - _CLAUSE_REACH)
    starts = [match.end() for match in _CLAUSE_START.finditer(text, reach, position)]
    return text[starts[-1] if starts else reach : position]


def _last_words(text: str, count: int = _LAST_WORDS) -> str:
    return " ".join(text.split()[-count:])


def _hits(vocabulary: Vocabulary, group: str, sentence: Sentence) -> list[tuple[re.Match[str], str]]:
    return [
        (match, clause_before(sentence.text, match.start()))
        for match in vocabulary.find(group, sentence.text)
    ]


def _sentences_with(prepared: Prepared, vocabulary: Vocabulary, group: str) -> tuple[Sentence, ...]:
    """The sentences worth searching: none when the group matches in no sentence."""
    # Sentence by sentence, as the finders search: in the whole text a term's look-ahead reads
    # into the next line ("... ikke tilgjengelig\nFor nye ...") and "$" only ends the text.
    return (
        prepared.sentences
        if any(vocabulary.has(group, sentence.text) for sentence in prepared.sentences)
        else ()
    )


def resolved_hits(prepared: Prepared, vocabulary: Vocabulary) -> list[Hit]:
    found = []
    for sentence in prepared.sentences:
        for match, before in _hits(vocabulary, "resolved_terms", sentence):
            if _OTHERS.search(sentence.text):
                continue  # "X er nede. Tjenestene for øvrig fungerer som normalt." is not over
            if _REFETCH.search(match.group(0)) and vocabulary.has("future_terms", sentence.text):
                continue  # "Når feilen er retta, bør de hente data på nytt": not yet
            if _CONCESSIVE.search(before):
                continue  # "selv om skatteoppgjøret deres er ferdig": granted, not reported over
            if _FIXED_TEXT.search(clause_around(sentence.text, match.start(), match.end())):
                continue  # "tabellen over feilkoder er rettet": a correction to documentation
            if not vocabulary.has("future_terms", before):
                # The clause, not the sentence: "X fungerer som normalt, men nye hendelser kan komme
                # forsinket etter vedlikeholdet" has no return for X.
                clause = clause_around(sentence.text, match.start(), match.end())
                standing = not _RETURN.search(clause)
                found.append(Hit("resolved", match.group(0), sentence.in_title, standing))
        if sentence.in_title:
            for match in re.finditer(r"(?<![\wæøå])(?:løst|løyst)(?![\wæøå])", sentence.text, re.I):
                before = clause_before(sentence.text, match.start())
                if not vocabulary.has("future_terms", before) and not vocabulary.has(
                    "negation_terms", before
                ):
                    found.append(Hit("resolved", match.group(0), True))
    return found


def downtime_hits(prepared: Prepared, vocabulary: Vocabulary) -> list[Hit]:
    found = []
    # "Spesifisert summert skattegrunnlag API blir stengt 17. oktober" over a body that says "fasa ut":
    # the title's closing is the retirement the body tells.
    retired = vocabulary.has("decommission_terms", prepared.body)
    for sentence in _sentences_with(prepared, vocabulary, "downtime_terms"):
        decommission = vocabulary.has("decommission_terms", sentence.text) or (sentence.in_title and retired)
        for match, before in _hits(vocabulary, "downtime_terms", sentence):
            if vocabulary.has("negation_terms", _last_words(before)):
                continue
            if _NOT_CARRIED_OUT.match(sentence.text, match.end()):
                continue  # "Planlagt vedlikehald vert heller ikkje gjennomført"
            if decommission and _DECOMMISSION_SENSITIVE.search(match.group(0)):
                continue  # "Det gamle testmiljøet stenges ned 1. juni" retires it: an API change
            topic = _ABOUT.search(before) or _NOTIFIED.match(sentence.text, match.end())
            if not sentence.in_title and topic and _TOPIC_DOWNTIME.fullmatch(match.group(0)):
                continue  # "Varsler om nedetid og feil publiseres fortsatt her": how notices are sent
            if _PEOPLE.search(sentence.text, 0, match.start()) and _CLOSED.search(match.group(0)):
                continue  # "Brukerstøtten for delingstjenestene er stengt fra skjærtorsdag"
            found.append(Hit("downtime", match.group(0), sentence.in_title))
    if found and all(_MAINTENANCE.search(hit.term) for hit in found) and says_no_downtime(prepared):
        # "Vedlikehald på Maskinporten ... Digdir ventar ikkje nedetid"; but "ingen nedetid, men
        # tjenestene kan være ustabile" still affects the services during the maintenance.
        if not vocabulary.has("error_terms", prepared.full_text):
            return []
    return found or _misspelt_downtime_hits(prepared, vocabulary)


def says_no_downtime(prepared: Prepared) -> str | None:
    """ "ingen nedetid", "ventar ikkje nedetid": the notice says there will be no unavailability
    (not where an announced downtime is called off: "avlyst ... Det blir ingen nedetid" is downtime)."""
    match = _NO_DOWNTIME.search(prepared.full_text)
    if match is None or _CALLED_OFF.search(prepared.full_text):
        return None
    return match.group(0)


def data_unavailable(prepared: Prepared, hits: list[Hit]) -> bool:
    """Body-only unavailability while the notice says the API itself answers normally."""
    if any(hit.in_title for hit in hits):
        return False
    return any(
        _ANSWERS_NORMALLY.search(sentence.text) and not _RETURN_NOW.search(sentence.text)
        for sentence in prepared.body_sentences
    )


def _misspelt_downtime_hits(prepared: Prepared, vocabulary: Vocabulary) -> list[Hit]:
    """ "Nedetdi på Inntekt API", "vil være utilgjengligt": typos of the key words, not negated."""
    found = []
    for sentence in prepared.sentences:
        for word in misspelt(sentence.text):
            before = clause_before(sentence.text, sentence.text.lower().find(word))
            if not vocabulary.has("negation_terms", _last_words(before)):
                found.append(Hit("downtime", word, sentence.in_title))
    return found


def _says_fixed(sentence: Sentence, vocabulary: Vocabulary) -> bool:
    """The sentence says something was fixed: not "skal rettes", not "Feilen er ikkje løyst enno"."""
    return any(
        not vocabulary.has("future_terms", before)
        and not vocabulary.has("negation_terms", _last_words(before, 2))
        for _, before in _hits(vocabulary, "fixed_terms", sentence)
    )


def _negated(before: str, vocabulary: Vocabulary) -> bool:
    return vocabulary.has("negation_terms", _last_words(before, 2))


def error_hits(prepared: Prepared, vocabulary: Vocabulary) -> list[Hit]:
    found = []
    sentences = _sentences_with(prepared, vocabulary, "error_terms")
    fixed = any(_says_fixed(sentence, vocabulary) for sentence in sentences)
    for sentence in sentences:
        if _says_fixed(sentence, vocabulary):
            continue
        if fixed and _PAST.search(sentence.text) and not _STILL_WORD.search(sentence.text):
            continue  # "Vi har rettet en feil i dokumentasjonen. Feltet var beskrevet med feil type."
        if _TABLE_ROW.search(sentence.text):
            continue  # "| Feil i personidentifikator | 404 | 400 |" documents a contract, not an incident
        for match, before in _hits(vocabulary, "error_terms", sentence):
            if vocabulary.has("hypothetical_terms", before):
                continue
            if vocabulary.has("negation_terms", _last_words(before, 2)):
                continue
            if _MEDIA_TYPE.match(sentence.text, match.end()):
                continue  # "application/problem+json" names a format
            if _ERROR_CODE.search(before):
                continue  # "404 med feilkode for manglende data" names a code in a contract
            found.append(Hit("error", match.group(0), sentence.in_title))
    return found


def api_change_hits(prepared: Prepared, vocabulary: Vocabulary, reference: date) -> list[Hit]:
    found = []
    for sentence in prepared.sentences:
        for match in vocabulary.find("api_change_terms", sentence.text):
            if _CONDITIONAL.search(clause_before(sentence.text, match.start())):
                continue  # "Ta kontakt hvis du har problemer med å finne riktig rettighetspakke"
            found.append(Hit("api_change", match.group(0), sentence.in_title))
        for match in _INCOME_YEAR.finditer(sentence.text):
            if int(match.group(1)) >= reference.year - 1:
                found.append(Hit("api_change", match.group(0), sentence.in_title))
    return found


def info_topic(prepared: Prepared, vocabulary: Vocabulary) -> str | None:
    match = vocabulary.first("info_terms", prepared.title)
    return match.group(0) if match else None


def decide(
    prepared: Prepared, vocabulary: Vocabulary, reference: date, tags: tuple[str, ...] = ()
) -> tuple[Category, list[str]]:
    """The category and the reasons for it: a status-page chain's status first, then the text."""
    chain = read_chain(prepared)
    if chain is None:
        return _decide_text(prepared, vocabulary, reference, tags, allow_resolved=True)
    if chain.stage == "resolved":
        return "resolved", [f"category resolved: status '{chain.label}' (the newest status-page update)"]
    if chain.stage == "notice":
        return _notice(prepared, vocabulary, reference, tags, chain)
    if chain.stage == "changed":
        return "downtime", [f"category downtime: status '{chain.label}' (an announced downtime changed)"]
    if chain.stage == "monitoring":
        update = latest_update(prepared, chain)
        lasting = _STILL.search(update.body)
        still = _STILL_WORD.search(update.body) if lasting is None else None
        if still is not None and (error_hits(update, vocabulary) or downtime_hits(update, vocabulary)):
            lasting = still  # "ser framleis at ein del kall ... blir avbrotne": still, and a fault
        if lasting is not None:
            said = f"the update says it is not over ('{lasting.group(0)}')"
            return "error", [f"category error: status '{chain.label}' and {said}"]
        fixed = [sentence for sentence in update.sentences if _says_fixed(sentence, vocabulary)]
        hits = resolved_hits(update, vocabulary) + [Hit("resolved", "rettet", False) for _ in fixed]
        if hits:
            terms = ", ".join(hit.describe() for hit in _best(hits))
            return "resolved", [f"category resolved: status '{chain.label}' and the update says {terms}"]
    category, reasons = _decide_text(prepared, vocabulary, reference, tags, allow_resolved=False)
    return _still_open(chain, category, reasons)


def _decide_text(
    prepared: Prepared, vocabulary: Vocabulary, reference: date, tags: tuple[str, ...], allow_resolved: bool
) -> tuple[Category, list[str]]:
    """The category from the prose; a quiet reading notes when the notice says there is no downtime."""
    category, reasons = _decide_prose(prepared, vocabulary, reference, tags, allow_resolved)
    calm = says_no_downtime(prepared) if category in ("info", "api_change") else None
    if calm is not None:
        reasons = [*reasons, f"category {category}: {REASON_NO_DOWNTIME} ('{calm}')"]
    return category, reasons


def _notice(
    prepared: Prepared, vocabulary: Vocabulary, reference: date, tags: tuple[str, ...], chain: Chain
) -> tuple[Category, list[str]]:
    """A status-page notice ("Status: Informasjon") is neither incident nor maintenance: its prose
    decides, but words for maintenance as a topic ("Slik varsler vi planlagt vedlikehold") make no
    downtime without a word for unavailability."""
    category, reasons = _decide_text(prepared, vocabulary, reference, tags, allow_resolved=True)
    said = f"status '{chain.label}': a notice, neither incident nor maintenance"
    finder = {"downtime": downtime_hits, "error": error_hits}.get(category)
    hits = finder(prepared, vocabulary) if finder is not None else []
    if hits and all(_TOPIC_DOWNTIME.fullmatch(hit.term) or _TOPIC_FAULT.fullmatch(hit.term) for hit in hits):
        terms = ", ".join(hit.describe() for hit in _best(hits))
        return "info", [f"category info: {said}, and only words for the topic ({terms})"]
    return category, [*reasons, said]


def _still_open(chain: Chain, category: Category, reasons: list[str]) -> tuple[Category, list[str]]:
    """An open or scheduled status-page chain is an incident or a maintenance whatever its prose."""
    if category in ("downtime", "error"):
        return category, [*reasons, f"status '{chain.label}': {REASON_STILL_OPEN}"]
    if chain.stage == "scheduled":
        return "downtime", [f"category downtime: status '{chain.label}' (a scheduled maintenance)"]
    return "error", [f"category error: status '{chain.label}' (an open status-page incident)"]


def _decide_prose(
    prepared: Prepared, vocabulary: Vocabulary, reference: date, tags: tuple[str, ...], allow_resolved: bool
) -> tuple[Category, list[str]]:
    """The category from the prose: the first group in GUIDE order whose terms hold."""
    finders: list[tuple[Category, Callable[[Prepared, Vocabulary], list[Hit]]]] = [
        ("downtime", downtime_hits),
        ("error", error_hits),
    ]
    if allow_resolved:
        finders.insert(0, ("resolved", resolved_hits))
    topic = info_topic(prepared, vocabulary)
    passed: list[str] = []
    for category, finder in finders:
        hits = finder(prepared, vocabulary)
        if category == "resolved" and hits and _contrast_only(prepared, vocabulary, hits):
            passed.append(f"resolved ({hits[0].describe()}: another part works, the title reports a fault)")
            continue
        if hits and topic is not None and not any(hit.in_title for hit in hits):
            # "Webinar ... vanlige feil ved oppkobling": an info title, the term only mentioned in passing.
            passed.append(f"{category} ({hits[0].describe()})")
            continue
        if hits and category == "downtime" and data_unavailable(prepared, hits):
            terms = ", ".join(repr(hit.term) for hit in _best(hits))
            return "error", [f"category error: {REASON_DATA_MISSING} ({terms})"]
        if hits:
            return category, [f"category {category}: " + ", ".join(hit.describe() for hit in _best(hits))]
    changes = api_change_hits(prepared, vocabulary, reference)
    unchanged = _api_unchanged(prepared) if changes else None
    if unchanged is not None and not any(_DOCUMENTATION.search(hit.term) for hit in changes):
        passed.append(f"api_change ('{changes[0].term}': the notice says '{unchanged}')")
        changes = []
    if changes and _tool_features(prepared, vocabulary, changes):
        passed.append(f"api_change ('{changes[0].term}': test data in a tool, no new year or version)")
        changes = []
    drift = _drift_notice(prepared, tags, include_tags=not changes)
    if drift is not None and topic is None:
        # A missed outage costs most: an operations notice we cannot read is reported as an error.
        return "error", [f"category error: operations notice ({drift}) with no other category (safety net)"]
    if changes and topic is not None and _REMINDER.match(topic) and any(hit.in_title for hit in changes):
        # "Påminnelse om bytte av URL-er": a reminder of a change still to come, named in the title.
        return "api_change", ["category api_change: " + ", ".join(hit.describe() for hit in _best(changes))]
    if changes and topic is None:
        return "api_change", ["category api_change: " + ", ".join(hit.describe() for hit in _best(changes))]
    if topic is not None:
        mentioned = passed + ([f"api_change ('{changes[0].term}')"] if changes else [])
        if mentioned:
            return "info", [f"category info: topic '{topic}' in title outweighs " + ", ".join(mentioned)]
        return "info", [f"category info: topic '{topic}' in title"]
    return "info", ["category info: no downtime, error, resolution or API change terms"]


def _tool_features(prepared: Prepared, vocabulary: Vocabulary, changes: list[Hit]) -> bool:
    """ "Tenor testdatasøk: nye filtre ... finne syntetiske testpersoner": news of the test data tool
    (named in the title), not of an API (a new income year or version of test data is an API change)."""
    if not vocabulary.has("tool_terms", prepared.title) or _YEAR_OR_VERSION.search(prepared.full_text):
        return False
    return all(_TEST_DATA.fullmatch(hit.term) for hit in changes)


def _api_unchanged(prepared: Prepared) -> str | None:
    """A body sentence that says the API itself is not changed, with no "men" to take it back."""
    for sentence in prepared.body_sentences:
        match = _API_UNCHANGED.search(sentence.text)
        if match is not None and _BUT.search(sentence.text, match.end()) is None:
            return match.group(0)
    return None


def _contrast_only(prepared: Prepared, vocabulary: Vocabulary, hits: list[Hit]) -> bool:
    """The title reports a fault and the body only says something else works as it always did.

    "Feil i Skattegrunnlag API for 2015 ... Oppslag på 2016 fungerer som normalt" is an error.
    """
    if not all(hit.standing and not hit.in_title for hit in hits):
        return False
    title = Prepared(prepared.title, "", tuple(s for s in prepared.sentences if s.in_title))
    if any(hit.in_title for hit in downtime_hits(title, vocabulary) + error_hits(title, vocabulary)):
        return True
    # "Oppslag på utkast gir HTTP 500 ... Oppslag på fastsatt fungerer som normalt. Feilen er under
    # analyse.": the work on the fault goes on beside the part that works.
    return any(_ONGOING.search(sentence.text) for sentence in prepared.body_sentences)


def _drift_notice(prepared: Prepared, tags: tuple[str, ...], include_tags: bool) -> str | None:
    """'Driftsvarsel', 'Driftsmelding', 'Driftsproblemer' in the title (or a Drift tag)."""
    match = _DRIFT_WORD.search(prepared.title)
    if match is not None:
        return f"'{match.group(0)}' in title"
    if include_tags and any(_DRIFT_TAG.fullmatch(tag.strip()) for tag in tags):
        return "tagged Drift"
    return None


def _best(hits: list[Hit], count: int = 3) -> list[Hit]:
    """Title hits first, then body hits, without repeating a term."""
    ordered = sorted(hits, key=lambda hit: not hit.in_title)
    seen: set[str] = set()
    unique = []
    for hit in ordered:
        if hit.term.lower() not in seen:
            seen.add(hit.term.lower())
            unique.append(hit)
    return unique[:count]


def planned(prepared: Prepared, vocabulary: Vocabulary) -> tuple[bool, str]:
    """For downtime: announced in advance (True) or an outage in progress (False)."""
    text = prepared.full_text
    sign = vocabulary.first("planned_terms", text)
    if sign is not None:
        return True, f"planned: '{sign.group(0)}'"
    outage = vocabulary.first("unplanned_terms", text)
    if outage is not None:
        return False, f"unplanned: '{outage.group(0)}'"
    return True, "planned: announced downtime (no sign of an outage in progress)"
