"""Read the fields of a traffic-fine letter from its text (text layer or OCR).

Pure: standard library only (plus the pure ``app.fleet.plates`` and ``fines.money``). Rules are data:
label tables per field and language (``LABELS``), kind phrases (``KIND_PHRASES``), issuer rules
(``ISSUER_RULES``). Labels are matched on a *folded* copy of the text (lower case, diacritics
dropped, ``ß`` → ``s``; same length, so spans map back to the original for the values).

A label is anchored at the start of a line unless written with a leading ``~``; its value is the
rest of that line or, when the rest is empty, the next non-empty line (letters put label and value
side by side, one under the other, or in a sentence).

Times: ``offence_at`` is the wall time written on the letter, made aware in Europe/Brussels. For
foreign letters (CJIB, ANTAI, German, Luxembourg) the same wall time is kept in the Brussels zone:
the Netherlands, France, Germany and Luxembourg share Belgium's time zone and summer time.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from app.fleet.plates import Plate, normalise_plate, plate_is_valid
from fines.money import find_structured_reference, fix_ocr_digits, parse_amount, structured_reference_valid

__all__ = ["BRUSSELS", "Extraction", "KINDS", "REVIEW_THRESHOLD", "extract_fields", "find_date", "find_time", "fold",
           "parse_amount", "structured_reference_valid"]

BRUSSELS = ZoneInfo("Europe/Brussels")
KINDS = ("immediate_collection", "driver_identification", "parking", "lez", "settlement", "payment_order",
         "foreign", "other")
FIELDS = ("kind", "language", "issuer", "notice_number", "plate", "plate_country", "offence_at", "letter_date",
          "due_date", "amount_cents", "currency", "payment_reference", "addressee")
#: A field whose confidence is below this sends the fine to a person.
REVIEW_THRESHOLD = 0.7
#: Fields a fine cannot be processed without, per kind (money fields only where money is asked).
_ALWAYS = ("issuer", "notice_number", "plate", "offence_at", "letter_date", "due_date", "addressee")
REQUIRED: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "driver_identification": _ALWAYS,
    "foreign": ("issuer", "notice_number", "plate", "offence_at", "amount_cents", "currency"),
    "other": ("kind",) + _ALWAYS,
    **{kind: _ALWAYS + ("amount_cents", "currency", "payment_reference")
       for kind in ("immediate_collection", "parking", "lez", "settlement", "payment_order")},
})

MONTHS: dict[str, dict[str, int]] = {
    "nl": {"januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "maart": 3, "mrt": 3, "mar": 3,
           "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8,
           "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
           "nov": 11, "december": 12, "dec": 12},
    "fr": {"janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
           "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "octobre": 10,
           "oct": 10, "novembre": 11, "decembre": 12},
    "de": {"januar": 1, "janner": 1, "februar": 2, "marz": 3, "maerz": 3, "april": 4, "mai": 5,
           "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
           "dezember": 12, "dez": 12},
    "en": {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
           "august": 8, "september": 9, "october": 10, "november": 11, "december": 12},
}
_MONTH_NUMBER: dict[str, int] = {name: number for names in MONTHS.values() for name, number in names.items()}
_MONTH_ALT = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))

_D = r"[\dOolI]"  # a digit as OCR may render it
_NUMERIC = re.compile(
    rf"(?<![\dA-Za-z])(?P<d>{_D}{{1,2}})[^\S\n]?(?P<sep>[./\-])[^\S\n]?(?P<m>{_D}{{1,2}})[^\S\n]?(?P=sep)[^\S\n]?"
    rf"(?P<y>{_D}{{4}}|\d{{2}})(?![\d])"
)
_ISO = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)")
_WORDS = re.compile(
    rf"(?<![\dA-Za-z])(?P<d>{_D}{{1,2}})(?:er|e|ste|de|st|nd|rd|th)?\.?[^\S\n]*(?P<month>{_MONTH_ALT})\.?,?[^\S\n]*(?P<y>{_D}{{4}})(?!\d)",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?<![\d.,:/])(?P<h>[01]?\d|2[0-3])[^\S\n]?(?:[:.hHu]|uur|Uhr)[^\S\n]?(?P<m>[0-5O][\dOo])(?![\d/]|[.,]\d)"
    r"|(?<![\d.,:/])(?P<h2>[01]?\d|2[0-3])[^\S\n]?(?:h|uur|Uhr|u)(?![A-Za-z\d])",
)
_DIGITS = str.maketrans("OolI", "0011")


@dataclass(frozen=True)
class DateFound:
    """A date and where it was written (``start``/``end`` index into the searched text)."""

    value: date
    start: int
    end: int


@dataclass(frozen=True)
class TimeFound:
    """A time of day and where it was written."""

    value: time
    start: int
    end: int


def fold(text: str) -> str:
    """Lower-case ``text`` and drop diacritics, keeping its length (so spans map back)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        if char == "ß":
            out.append("s")
            continue
        base = unicodedata.normalize("NFD", char)[0].lower()
        out.append(base if len(base) == 1 else char)
    return "".join(out)


def _year(raw: str) -> int:
    year = int(raw.translate(_DIGITS))
    return year + 2000 if year < 100 else year


def _make(year: int, month: int, day: int) -> date | None:
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_date(text: str, start: int = 0) -> DateFound | None:
    """Return the first date in ``text[start:]``: ``16/05/2026``, ``16.05.2026``, ``16-05-26``,
    ``2026-05-16``, ``16 mei 2026``, ``16 mai 2026``, ``16. Mai 2026``, ``1er mars 2026``."""
    folded = fold(text)
    best: DateFound | None = None
    for pattern in (_ISO, _NUMERIC, _WORDS):
        for match in pattern.finditer(folded, start):
            if best is not None and match.start() >= best.start:
                break
            if pattern is _WORDS:
                month = _MONTH_NUMBER[match.group("month").lower()]
            else:
                month = int(match.group("m").translate(_DIGITS))
            value = _make(_year(match.group("y")), month, int(match.group("d").translate(_DIGITS)))
            if value is not None:
                best = DateFound(value, match.start(), match.end())
                break
    return best


def find_time(text: str, start: int = 0) -> TimeFound | None:
    """Return the first time of day in ``text[start:]``: ``02u11``, ``02h11``, ``14:05``,
    ``14.05 uur``, ``15:50 Uhr``, ``14h``."""
    for match in _TIME.finditer(text, start):
        hour = match.group("h") or match.group("h2")
        minute = (match.group("m") or "00").translate(_DIGITS)
        end = match.end()
        tail = re.match(r"[^\S\n]*(?:uur|uhr|u|h)\b", text[end:], re.IGNORECASE)
        if tail and match.group("m"):
            end += tail.end()
        return TimeFound(time(int(hour), int(minute)), match.start(), end)
    return None

# --------------------------------------------------------------------------- rule tables

#: Phrases that say what kind of letter this is. Foreign authorities win outright; otherwise the
#: phrase written first wins (titles come before the boilerplate, which mentions other kinds).
KIND_PHRASES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "foreign": (r"centraal justitieel incassobureau", r"\bcjib\b", r"\bantai\b",
                r"agence nationale de traitement automatise", r"avis de contravention",
                r"\bbus+geld(?:bescheid|stelle)", r"\bverwarnungsgeld", r"\banhorungsbogen",
                r"\bzeugenfragebogen", r"\bordnungsamt\b", r"\blandratsamt\b", r"\bpolizeiprasidium\b",
                r"police grand-ducale", r"grand-duche de luxembourg", r"grossherzogtum luxemburg",
                r"avertissement taxe", r"officier du ministere public", r"republique francaise",
                r"\bbundesrepublik deutschland\b", r"\bl-\d{4}\s+[a-z]"),
    "lez": (r"lage[- ]?emissie[- ]?zone", r"\blez\b", r"zone de basses? emissions?", r"\bzbe\b",
            r"low[- ]emission[- ]zone", r"\bumweltzone\b", r"emissionsarme zone"),
    "driver_identification": (r"identificatie van de bestuurder", r"identification du conducteur",
                              r"identification de (?:la personne|l'auteur)", r"aanwijzing van de bestuurder",
                              r"designation du conducteur", r"identifizierung des (?:fahrers|fahrzeugfuhrers)",
                              r"ermittlung des fahrzeugfuhrers", r"identification of the driver",
                              r"verzoek tot identificatie", r"demande d'identification"),
    "parking": (r"parkeerretributie", r"retributie parkeren", r"parkeerheffing", r"parkeerboete",
                r"redevance de stationnement", r"stationnement payant", r"redevance (?:forfaitaire )?parking",
                r"\bparkgebuhr", r"parking charge", r"retributie betalend parkeren"),
    "settlement": (r"voorstel tot minnelijke schikking", r"minnelijke schikking\s*$", r"proposition de transaction",
                   r"transaction penale", r"^\s*transaction\s*$", r"vorschlag (?:zu einem|eines) vergleich"),
    "payment_order": (r"bevel tot betaling", r"betalingsbevel", r"ordre de paiement", r"zahlungsbefehl",
                      r"zahlungsaufforderung", r"payment order"),
    "immediate_collection": (r"onmiddellijke inning", r"perception immediate", r"sofortigen? erhebung",
                             r"immediate collection"),
})
#: Lines that end the letter head (title or subject), besides the kind phrases.
_TITLE_WORDS = (r"^\s*(?:beschikking|bussgeldbescheid|busgeldbescheid|anhorung|betreft|onderwerp|objet|betreff"
                r"|concerne|subject|avis de contravention|verwarnung|mahnung|aanmaning|rappel|herinnering)\b")

#: Words that tell the language (folded, whole words; shared words like "de" left out).
LANGUAGE_WORDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "nl": frozenset("het van een en op te voor uw bedrag datum uur betalen werd niet met bij is de overtreding "
                    "kenteken nummerplaat uiterlijk dit deze wordt naar".split()),
    "fr": frozenset("le la les du des et a pour vous votre montant paiement infraction est une au par sur "
                    "plaque avis amende dans ce cette".split()),
    "de": frozenset("der die das und zu bis den dem ist sie ihr ihre betrag zahlbar uhr kennzeichen am wird "
                    "nicht mit von fur auf eine ein".split()),
    "en": frozenset("the of and to you your is by payment amount vehicle fine on this please with".split()),
})

#: Field labels per language, folded. ``~`` = may stand anywhere in a line (not only at its start).
LABELS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "notice_number": {
        "nl": ("ons kenmerk", "kenmerk", "referentie", "dossiernummer", "dossiernr", "dossier", "retributienummer",
               "notitienummer", "pv-nummer", "pv nummer", "nummer proces-verbaal", "proces-verbaal nr",
               "beschikkingsnummer", "beschikkingnummer", "cjib-nummer", "cjib nummer", "zaaknummer",
               "vaststellingsnummer", "nummer beschikking", "aanslagnummer", "volgnummer"),
        "fr": ("notre reference", "reference du dossier", "reference dossier", "reference", "numero de l'avis", "n° de l'avis", "n° d'avis", "n° avis",
               "numero d'avis", "avis n°", "~numero de l'avis", "numero de dossier", "n° de dossier", "dossier n°",
               "n° dossier", "numero du proces-verbal", "n° du proces-verbal", "proces-verbal n°", "n° pv",
               "numero de la redevance", "n° de redevance", "n° de l'avertissement", "numero d'avertissement"),
        "de": ("aktenzeichen", "az\\.", "az", "geschaftszeichen", "unser zeichen", "vorgangsnummer",
               "bescheidnummer", "~aktenzeichen", "verwarnungsnummer"),
        "en": ("our reference", "notice number", "case number", "reference", "ref\\."),
    },
    "plate": {
        "nl": ("nummerplaat", "kenteken", "kentekenplaat", "inschrijvingsplaat", "~met inschrijvingsplaat",
               "~met nummerplaat", "~met kenteken", "~inschrijvingsplaat", "~nummerplaat"),
        "fr": ("plaque d'immatriculation", "n° d'immatriculation", "numero d'immatriculation", "immatriculation",
               "plaque", "~immatricule", "~plaque d'immatriculation", "~immatriculation"),
        "de": ("amtliches kennzeichen", "kfz-kennzeichen", "kennzeichen", "~amtlichen kennzeichen",
               "~kennzeichen"),
        "en": ("registration number", "registration", "licence plate", "license plate", "plate"),
    },
    "offence_at": {
        "nl": ("datum en uur van de overtreding", "datum en tijdstip van de overtreding", "datum van de overtreding",
               "datum overtreding", "datum/tijd overtreding", "datum en uur", "pleegdatum/tijd", "pleegdatum/-tijd",
               "pleegdatum en -tijd", "pleegdatum", "overtreding vastgesteld op", "vastgesteld op", "gepleegd op",
               "datum van de feiten", "datum feiten", "datum vaststelling", "tijdstip overtreding", "op"),
        "fr": ("date et heure de l'infraction", "date et heure des faits", "date de l'infraction", "date des faits",
               "date et heure de la constatation", "date de la constatation", "constate le", "infraction du",
               "date et heure", "le", "~infraction commise le", "~commise le"),
        "de": ("tatzeit", "tatzeitpunkt", "tattag", "tatdatum", "datum der tat", "datum/uhrzeit", "datum und uhrzeit",
               "festgestellt am", "~haben am", "am"),
        "en": ("date and time of the offence", "date and time of offence", "date of offence", "offence date",
               "date of the offence", "on"),
    },
    "offence_time": {
        "nl": ("uur", "tijdstip", "pleegtijd", "tijd", "om"),
        "fr": ("heure", "a"),
        "de": ("uhrzeit", "zeit", "um"),
        "en": ("time", "at"),
    },
    # Bare "Datum"/"Date" after the letter date: the offence date of side-by-side layouts.
    "offence_date_generic": {
        "nl": ("datum",), "fr": ("date",), "de": ("datum",), "en": ("date",),
    },
    "letter_date": {
        "nl": ("datum(?![^\\S\\n]*(?:van|der|des|en\\b|/|overtreding|feiten|parkeren|vaststelling))",
               "dagtekening", "datum brief", "datum van de brief", "datum beschikking", "verzenddatum",
               "datum verzending", "datum van verzending", "datum aanmaning"),
        "fr": ("date(?![^\\S\\n]*(?:et\\b|de\\b|des\\b|du\\b|d'|limite|of\\b|and\\b))", "date d'envoi",
               "date d'emission", "date de la lettre", "date de l'avis", "date de la decision", "date du courrier",
               "[a-z][a-z'\\x20\\-/]{1,40},[^\\S\\n]*le"),
        "de": ("bescheiddatum", "ausstellungsdatum", "datum des bescheids", "briefdatum",
               "[a-z][a-z'\\x20\\-/.]{1,40},[^\\S\\n]*(?:den|am)"),
        "en": ("letter date", "date of issue", "issued on"),
        # "Brussel, 12 maart 2026": a place and a comma, then the date.
        "any": ("[a-z][a-z'\\x20\\-/]{1,40},",),
    },
    "due_date": {
        "nl": ("uiterste betaaldatum", "uiterste datum van betaling", "uiterste betalingsdatum",
               "te betalen voor", "te betalen uiterlijk op", "te betalen ten laatste op", "betalen uiterlijk op",
               "betalen voor", "betaal voor", "uiterlijk te betalen op", "vervaldatum", "vervaldag",
               "antwoord uiterlijk op", "antwoorden voor", "terug te sturen voor", "terugsturen voor",
               "uiterlijk op", "ten laatste op", "~uiterlijk op", "~ten laatste op", "~uiterlijk betalen op"),
        "fr": ("date limite de paiement", "date limite de reponse", "date limite", "a payer avant le",
               "a payer pour le", "payer avant le", "payable avant le", "date d'echeance", "echeance",
               "a renvoyer avant le", "repondre avant le", "reponse avant le", "reponse attendue avant le",
               "au plus tard le", "~au plus tard le", "~a payer avant le", "~avant le"),
        "de": ("zahlbar bis zum", "zahlbar bis", "zu zahlen bis zum", "zu zahlen bis", "zahlungsfrist bis",
               "zahlungsfrist", "fallig am", "fallig bis", "spatestens am", "spatestens bis zum", "spatestens bis",
               "antwort bis", "~zahlbar bis zum", "~zahlbar bis", "~spatestens bis zum", "~spatestens am",
               "~spatestens bis", "~bis zum"),
        "en": ("due date", "pay by", "payable by", "payment due", "reply by", "respond by"),
    },
    "amount": {
        "nl": ("te betalen bedrag", "totaal te betalen", "totaal bedrag", "te betalen", "bedrag retributie",
               "bedrag van de geldboete", "bedrag van de boete", "bedrag", "boetebedrag", "boete", "geldboete",
               "retributie", "sanctiebedrag", "~te betalen bedrag van"),
        "fr": ("montant a payer", "montant total", "montant de l'amende forfaitaire", "~montant de l'amende forfaitaire",
               "montant de la redevance", "montant de l'amende", "montant du", "montant", "amende forfaitaire",
               "amende", "redevance", "a payer", "total"),
        "de": ("zu zahlender betrag", "gesamtbetrag", "zu zahlen", "zahlbetrag", "betrag", "verwarnungsgeld",
               "geldbusse", "geldbuse", "bus+geld", "~verwarnungsgeld in hohe von", "~verwarnungsgeld von",
               "~betrag von"),
        "en": ("amount due", "amount to pay", "amount", "fine", "total"),
    },
    "payment_reference": {
        "nl": ("gestructureerde mededeling", "mededeling", "betalingskenmerk", "betaalkenmerk", "kenmerk betaling",
               "~betalingskenmerk", "~onder vermelding van"),
        "fr": ("communication structuree", "communication", "reference de paiement", "reference du paiement",
               "~avec la communication", "numero de telepaiement"),
        "de": ("kassenzeichen", "verwendungszweck", "zahlungsreferenz", "~kassenzeichen", "~verwendungszweck"),
        "en": ("payment reference",),
    },
})
#: Labels that say little on their own: a value found through them gets less confidence.
_WEAK_LABELS = frozenset({"dossier", "op", "le", "am", "on", "om", "a", "um", "at", "tijd", "zeit", "plaque",
                          "te betalen", "bedrag", "boete", "geldboete", "retributie", "montant", "amende",
                          "redevance", "a payer", "total", "betrag", "communication", "mededeling", "reference",
                          "az", "uiterlijk op", "~avant le", "~bis zum", "date limite", "[a-z][a-z'\\x20\\-/]{1,40},",
                          "fine", "amount", "datum", "date"})
#: Value prefixes allowed before an amount ("bedraagt 58,00 EUR", "est de 135 €", "von 35,00 EUR").
_AMOUNT_LEAD = re.compile(r"^(?:(?:bedraagt|bedraagt|is|est|de|d'un montant de|van|von|betragt|of|in hohe von|"
                          r"s'eleve a|eur|euro|€|:|=)\s*)*", re.IGNORECASE)

#: Issuer rules, tried on each line of the letter head in order; ``city`` turns an upper-case place
#: name into its usual spelling, ``line`` keeps the line as written, anything else is the issuer itself.
ISSUER_RULES: tuple[tuple[str, str], ...] = (
    ("city", r"^(?:politiezone|zone de police|polizeizone|lokale politie|pz|zp)\s+(?P<name>.+?)(?:\s+-\s+.*)?$"),
    ("city", r"^(?:stadt|stad|ville de|ville d'|gemeente|commune de|commune d'|gemeinde|city of)\s*"
             r"(?P<name>[a-z].+?)(?:\s+-\s+.*)?$"),
    ("line", r"^(?P<name>(?:parket van de procureur des konings|parquet du procureur du roi|"
             r"staatsanwaltschaft|centraal justitieel incassobureau|"
             r"agence nationale de traitement automatise des infractions)\b.*)$"),
    ("line", r"^(?P<name>(?:zentrale\s+)?bus+geldstelle\b.*|landratsamt\b.*|polizeiprasidium\b.*|ordnungsamt\b.*|"
             r"regierungsprasidium\b.*|landkreis\b.*|kreis\b.*|police grand-ducale\b.*|centre de traitement\b.*|"
             r"centre de constatation\b.*|officier du ministere public\b.*)$"),
    ("Centraal Justitieel Incassobureau", r"\bcjib\b"),
    ("Agence nationale de traitement automatisé des infractions", r"\bantai\b"),
    ("line", r"^(?P<name>(?:parkeerbedrijf|parking|parkeerbeheer|agence de stationnement|service stationnement)\b.*)$"),
)
#: Letter-head lines that never name the issuer (the ministry above the service, the country).
_GENERIC_HEAD = re.compile(
    r"^(?:federale overheidsdienst|service public federal|foderaler offentlicher dienst|fod\b|spf\b|"
    r"koninkrijk belgie|royaume de belgique|konigreich belgien|ministerie van|ministere de|ministerium|"
    r"republique francaise|bundesrepublik|grand-duche de luxembourg|grossherzogtum|koninkrijk der nederlanden|"
    r"region de bruxelles-capitale|brussels hoofdstedelijk gewest|region wallonne|vlaamse overheid|"
    r"dienst verkeer|sanctionerend ambtenaar|page|pagina|seite)", re.IGNORECASE)
#: Canonical spellings of issuers whose official name is not plain title case.
CANONICAL_ISSUERS: Mapping[str, str] = MappingProxyType({
    "brussel hoofdstad/elsene": "Brussel HOOFDSTAD/Elsene",
    "brussel-hoofdstad/elsene": "Brussel HOOFDSTAD/Elsene",
    "bruxelles capitale/ixelles": "Bruxelles CAPITALE/Ixelles",
    "bruxelles-capitale/ixelles": "Bruxelles CAPITALE/Ixelles",
})
_LOWER_WORDS = frozenset({"van", "de", "der", "den", "des", "du", "la", "le", "les", "sur", "aan", "op", "am",
                          "im", "an", "et", "en", "und", "d'", "l'"})
_COMPANY = re.compile(r"\b(?:bv|nv|sa|srl|bvba|sprl|cv|cvba|vof|commv|gmbh|ag|kg|sas|sarl|ltd|llc|se|asbl|vzw|"
                      r"scrl|snc|s\.a|b\.v|n\.v|bv\s*bv|co\.?\s*kg)\.?\s*$", re.IGNORECASE)
_SALUTATION = re.compile(r"^(?:aan|a|à|an|to|herrn?|frau|firma|mevrouw|mijnheer|monsieur|madame|dhr\.?|mevr\.?)"
                         r"\s*:?\s*$", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(?:[a-z]-?)?\d{4,5}\s+[A-Z][\w'\-]+|\b(?:postbus|boite postale|bp|postfach)\b|"
                      r"\b[A-Za-z\-']{3,}\s+\d{1,4}[a-z]?\b(?:\s*(?:bus|bte|boite)\s*\d+)?\s*(?:,|$)",
                      re.IGNORECASE)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Extraction:
    """The fields read from one fine letter, how sure each is, and what looks wrong."""

    kind: str = "other"
    language: str = "nl"
    issuer: str | None = None
    notice_number: str | None = None
    plate: str | None = None
    plate_country: str | None = None
    offence_at: datetime | None = None
    letter_date: date | None = None
    due_date: date | None = None
    amount_cents: int | None = None
    currency: str | None = None
    payment_reference: str | None = None
    addressee: str | None = None
    confidence: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields (for this kind) the letter did not yield."""
        return tuple(name for name in REQUIRED.get(self.kind, _ALWAYS)
                     if name != "kind" and getattr(self, name) is None)

    @property
    def needs_review(self) -> bool:
        """A person must look: a required field is missing, a field is doubtful, or a check failed."""
        if self.kind == "other" or self.missing or self.problems:
            return True
        return any(value < REVIEW_THRESHOLD for name, value in self.confidence.items()
                   if getattr(self, name, None) is not None)

    def as_json(self, file: str) -> dict[str, object]:
        """The fields as JSON-ready values (ISO dates, offence time with its Brussels offset)."""
        return {
            "file": file,
            "kind": self.kind,
            "language": self.language,
            "issuer": self.issuer,
            "notice_number": self.notice_number,
            "plate": self.plate,
            "plate_country": self.plate_country,
            "offence_at": self.offence_at.isoformat() if self.offence_at else None,
            "letter_date": self.letter_date.isoformat() if self.letter_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "payment_reference": self.payment_reference,
            "addressee": self.addressee,
        }


# --------------------------------------------------------------------------- reading the text

T = TypeVar("T")


@dataclass(frozen=True)
class _Found(Generic[T]):
    value: T
    start: int  # where the label starts
    end: int  # where the value ends
    weak: bool


@dataclass(frozen=True)
class _Doc:
    text: str
    folded: str
    language: str


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\t", " ")
    for space in ("\u00a0", "\u202f", "\u2007", "\u2009"):
        text = text.replace(space, " ")
    for dash in ("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"):
        text = text.replace(dash, "-")
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def _compile(label: str) -> re.Pattern[str]:
    anywhere = label.startswith("~")
    body = label.lstrip("~").replace(" ", r"[^\S\n]*")
    head = r"(?<![a-z0-9])" if anywhere else r"(?m)^[^\S\n]*(?:[-•*·>][^\S\n]*)?"
    return re.compile(head + "(?:" + body + r")(?![a-z0-9])")


_COMPILED: dict[str, re.Pattern[str]] = {}


def _pattern(label: str) -> re.Pattern[str]:
    # A cache of compiled constants: filled on first use, never changed afterwards.
    compiled = _COMPILED.get(label)
    if compiled is None:
        compiled = _COMPILED[label] = _compile(label)
    return compiled


def _labels(name: str, language: str) -> list[str]:
    table = LABELS[name]
    order = [language] + [lang for lang in ("nl", "fr", "de", "en") if lang != language] + ["any"]
    return [label for lang in order for label in table.get(lang, ())]


_SEPARATOR = re.compile(r"[^\S\n]*(?:[:;=]|\.(?!\d)|-(?=\s))?[^\S\n]*")


def _value_spans(doc: _Doc, match: re.Match[str]) -> list[tuple[int, int]]:
    """Where the value of a label may be: the rest of its line, else the next non-empty line."""
    text = doc.text
    line_end = text.find("\n", match.end())
    line_end = len(text) if line_end < 0 else line_end
    separator = _SEPARATOR.match(text, match.end(), line_end)
    start = separator.end() if separator else match.end()
    if text[start:line_end].strip():
        return [(start, line_end)]
    position = line_end
    while position < len(text):
        next_end = text.find("\n", position + 1)
        next_end = len(text) if next_end < 0 else next_end
        line = text[position + 1:next_end]
        if line.strip():
            lead = len(line) - len(line.lstrip())
            return [(position + 1 + lead, next_end)]
        position = next_end
    return []


def _find(doc: _Doc, name: str, parse: Callable[[str], T | None], *, earliest: bool = False,
          after: int = 0) -> _Found[T] | None:
    """Find a field through its labels: by label priority, or the earliest in the text."""
    best: _Found[T] | None = None
    for label in _labels(name, doc.language):
        for match in _pattern(label).finditer(doc.folded, after):
            if best is not None and earliest and match.start() >= best.start:
                break
            for start, end in _value_spans(doc, match):
                value = parse(doc.text[start:end])
                if value is not None:
                    found = _Found(value, match.start(), end, label in _WEAK_LABELS)
                    if not earliest:
                        return found
                    if best is None or found.start < best.start:
                        best = found
                    break
            else:
                continue
            break
    return best


# --------------------------------------------------------------------------- value parsers

def _leading_date(value: str) -> date | None:
    """A date at the start of a value (after a weekday or "le"/"den": no digits before it)."""
    found = find_date(value)
    if found is None or found.start > 24 or any(char.isdigit() for char in value[: found.start]):
        return None
    return found.value


def _leading_datetime(value: str) -> tuple[date, time | None] | None:
    found = find_date(value)
    if found is None or found.start > 24 or any(char.isdigit() for char in value[: found.start]):
        return None
    clock = find_time(value, found.end)
    if clock is not None and (clock.start - found.end > 30 or any(
            char.isdigit() for char in value[found.end:clock.start])):
        clock = None
    return found.value, clock.value if clock else None


def _leading_time(value: str) -> time | None:
    clock = find_time(value)
    if clock is None or clock.start > 4 or find_date(value[: clock.end + 6]) is not None:
        return None
    return clock.value


_NOTICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./\-_]*(?:[ ](?=\d)[\d./\-]+)*")


def _notice(value: str) -> str | None:
    match = _NOTICE.match(value.strip())
    if not match:
        return None
    token = match.group(0).rstrip(".,-/")
    if len(token) < 4 or not any(char.isdigit() for char in token) or find_date(token) is not None:
        return None
    return token


def _plate(value: str) -> Plate | None:
    tokens = value.replace(":", " ").split()[:4]
    for count in range(len(tokens), 0, -1):
        raw = " ".join(tokens[:count]).strip(".,;()")
        plate = normalise_plate(raw)
        if plate is not None and any(char.isdigit() for char in plate.text) and any(
                char.isalpha() for char in plate.text + ("X" if plate.country == "LU" else "")):
            return plate
    return None


_RANGE = re.compile(r"\d\s*(?:€|eur(?:o|os)?)?\s+(?:tot|a|à|bis|to|jusqu'a)\s+(?:€\s*)?\d", re.IGNORECASE)


def _amount(value: str) -> tuple[int, str | None] | None:
    lead = _AMOUNT_LEAD.match(value)
    rest = value[lead.end() if lead else 0:]
    if not rest[:1].isdigit() and not rest[:1] in "€$£" and not rest[:3].upper() in ("EUR", "CHF", "GBP"):
        return None
    if _RANGE.search(value):  # "een geldboete van 1.760 tot 88.000 euro" states a penalty range
        return None
    money = parse_amount(value)
    if money is None or find_date(value) is not None and find_date(value).start < 3:  # type: ignore[union-attr]
        return None
    return money.cents, money.currency


def _reference(value: str) -> str | None:
    structured = find_structured_reference(value)
    if structured:
        return structured
    run = re.match(r"[\d\s./+*\-OolI]+", value.strip())
    if not run:
        return None
    digits = re.sub(r"\D", "", fix_ocr_digits(run.group(0)))
    return digits if len(digits) >= 6 else None


# --------------------------------------------------------------------------- fields

def _language(folded: str) -> str:
    words = re.findall(r"[a-z]+", folded)
    scores = {lang: sum(1 for word in words if word in table) for lang, table in LANGUAGE_WORDS.items()}
    return max(scores, key=lambda lang: (scores[lang], lang == "nl"))


def _kind(folded: str) -> tuple[str, int | None]:
    """The kind and the position of the phrase that told it (None when nothing did)."""
    for phrase in KIND_PHRASES["foreign"]:
        match = re.search(phrase, folded, re.MULTILINE)
        if match:
            return "foreign", None
    best: tuple[int, str] | None = None
    for kind, phrases in KIND_PHRASES.items():
        if kind == "foreign":
            continue
        for phrase in phrases:
            match = re.search(phrase, folded, re.MULTILINE)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), kind)
    return (best[1], best[0]) if best else ("other", None)


def _head_lines(doc: _Doc) -> list[tuple[str, str]]:
    """The letter head: non-empty lines (original, folded) before the title or first field."""
    lines = [(line.strip(), fold_line.strip()) for line, fold_line in zip(doc.text.split("\n"), doc.folded.split("\n"))]
    lines = [(line, folded) for line, folded in lines if line]
    title = re.compile(_TITLE_WORDS + "|" + "|".join(p for kind, ps in KIND_PHRASES.items() if kind != "foreign"
                                                     for p in ps if not p.startswith("^")))
    for index, (line, folded) in enumerate(lines[:25]):
        if index >= 2 and (title.search(folded) or _pattern(LABELS["letter_date"]["nl"][0]).match(folded)
                           and index > 2):
            return lines[:index]
    return lines[:12]


def _pretty_name(name: str) -> str:
    name = re.sub(r"\s+-\s+.*$", "", name).strip(" -,:;|")
    canonical = CANONICAL_ISSUERS.get(fold(name))
    if canonical:
        return canonical
    if not name.isupper():
        return name
    parts = re.split(r"([\s\-/]+)", name.lower())
    out = [part if (index and part in _LOWER_WORDS) or not part.strip(" -/") else part[:1].upper() + part[1:]
           for index, part in enumerate(parts)]
    return "".join(out)


def _issuer(head: list[tuple[str, str]]) -> tuple[str | None, int | None]:
    for index, (line, folded) in enumerate(head):
        for action, rule in ISSUER_RULES:
            match = re.search(rule, folded)
            if not match:
                continue
            if action == "city":
                return _pretty_name(line[match.start("name"):match.end("name")]), index
            if action == "line":
                return _pretty_name(line[match.start("name"):match.end("name")]), index
            return action, index
    for index, (line, folded) in enumerate(head):
        if _GENERIC_HEAD.match(folded) or _ADDRESS.search(line) or _COMPANY.search(line):
            continue
        return _pretty_name(line), index
    return None, None


def _addressee(head: list[tuple[str, str]], issuer_line: int | None) -> tuple[str | None, float]:
    def usable(index: int) -> bool:
        line = head[index][0]
        return index != issuer_line and not _GENERIC_HEAD.match(head[index][1]) and not any(
            char.isdigit() for char in line) and len(line) >= 3

    for index, (line, _folded) in enumerate(head):
        if _COMPANY.search(line) and usable(index):
            return _clean_name(line), 0.95
    for index, (line, _folded) in enumerate(head[:-1]):
        if _SALUTATION.match(line) and usable(index + 1):
            return _clean_name(head[index + 1][0]), 0.85
    candidates = [index - 1 for index in range(1, len(head))
                  if _ADDRESS.search(head[index][0]) and not _ADDRESS.search(head[index - 1][0]) and usable(index - 1)
                  and (issuer_line is None or index - 1 > issuer_line)]
    if candidates:
        return _clean_name(head[candidates[-1]][0]), 0.75
    return None, 0.0


def _clean_name(line: str) -> str:
    line = re.sub(r"^(?:aan|à|an|to|firma)\s*:\s*", "", line, flags=re.IGNORECASE)
    return re.sub(r"\s{2,}", " ", line.strip(" |_-—,;:"))


def _letter_date_fallback(head: list[tuple[str, str]]) -> date | None:
    for line, _folded in head:
        found = find_date(line)
        if found and not any(char.isdigit() for char in line[: found.start]) and len(line) - found.end < 3:
            return found.value
    return None


# --------------------------------------------------------------------------- the entry point

def extract_fields(text: str) -> Extraction:
    """Read every field of a fine letter from its text; see ``Extraction`` for the result."""
    prepared = _prepare(text)
    folded = fold(prepared)
    language = _language(folded)
    doc = _Doc(prepared, folded, language)
    confidence: dict[str, float] = {"language": 0.9}
    problems: list[str] = []

    kind, _kind_at = _kind(folded)
    confidence["kind"] = 0.95 if kind != "other" else 0.3

    head = _head_lines(doc)
    issuer, issuer_line = _issuer(head)
    confidence["issuer"] = 0.9 if issuer_line is not None else 0.0
    addressee, confidence["addressee"] = _addressee(head, issuer_line)

    notice = _find(doc, "notice_number", _notice)
    confidence["notice_number"] = _score(notice)

    plate_found = _find(doc, "plate", _plate)
    plate_text = plate_country = None
    confidence["plate"] = confidence["plate_country"] = _score(plate_found)
    if plate_found is not None:
        plate_text, plate_country = plate_found.value.text, plate_found.value.country
        if not plate_is_valid(plate_found.value):
            problems.append(f"plate does not match {plate_country} pattern")
            confidence["plate"] = 0.3

    letter = _find(doc, "letter_date", _leading_date, earliest=True)
    letter_date = letter.value if letter else _letter_date_fallback(head)
    confidence["letter_date"] = _score(letter) if letter else (0.6 if letter_date else 0.0)

    offence_at, confidence["offence_at"] = _offence(doc, letter.end if letter else 0, problems)

    due = _find(doc, "due_date", _leading_date)
    due_date = due.value if due else None
    confidence["due_date"] = _score(due)

    amount = _find(doc, "amount", _amount)
    amount_cents = currency = None
    confidence["amount_cents"] = confidence["currency"] = _score(amount)
    if amount is not None:
        amount_cents, currency = amount.value
        if currency is None:
            currency = "EUR"
            confidence["currency"] = 0.75
        if not 0 < amount_cents <= 10_000_000:
            problems.append("implausible amount")
            confidence["amount_cents"] = 0.3

    reference = find_structured_reference(prepared)
    confidence["payment_reference"] = 0.95 if reference else 0.0
    if reference is None:
        labelled = _find(doc, "payment_reference", _reference)
        reference = labelled.value if labelled else None
        confidence["payment_reference"] = _score(labelled)
    if reference is not None and (len(reference) == 12 and kind not in ("foreign",)):
        if not structured_reference_valid(reference):
            problems.append("structured communication fails mod-97 check")
            confidence["payment_reference"] = 0.2

    offence_day = offence_at.date() if offence_at else None
    if offence_day and letter_date and offence_day > letter_date:
        problems.append("offence after letter date")
        confidence["offence_at"] = min(confidence["offence_at"], 0.4)
        confidence["letter_date"] = min(confidence["letter_date"], 0.4)
    if letter_date and due_date and letter_date > due_date:
        problems.append("due date before letter date")
        confidence["due_date"] = min(confidence["due_date"], 0.4)
    if offence_day and due_date and offence_day > due_date and not letter_date:
        problems.append("offence after due date")
        confidence["due_date"] = min(confidence["due_date"], 0.4)

    result = Extraction(
        kind=kind, language=language, issuer=issuer, notice_number=notice.value if notice else None,
        plate=plate_text, plate_country=plate_country, offence_at=offence_at, letter_date=letter_date,
        due_date=due_date, amount_cents=amount_cents, currency=currency, payment_reference=reference,
        addressee=addressee, confidence=MappingProxyType({name: confidence.get(name, 0.0) for name in FIELDS}),
    )
    problems.extend(f"{name} missing" for name in result.missing)
    return Extraction(**{**{name: getattr(result, name) for name in FIELDS}, "confidence": result.confidence,
                         "problems": tuple(problems)})


def _score(found: _Found[T] | None) -> float:
    if found is None:
        return 0.0
    return 0.75 if found.weak else 0.95


def _offence(doc: _Doc, after_letter: int, problems: list[str]) -> tuple[datetime | None, float]:
    found = _find(doc, "offence_at", _leading_datetime)
    if found is None:
        found = _find(doc, "offence_date_generic", _leading_datetime, after=after_letter)
    if found is None:
        return None, 0.0
    day, clock = found.value
    score = _score(found)
    if clock is None:
        clock_found = _find(doc, "offence_time", _leading_time, after=found.start)
        clock = clock_found.value if clock_found else None
    if clock is None:
        problems.append("offence time missing")
        clock, score = time(0, 0), 0.5
    return datetime.combine(day, clock, tzinfo=BRUSSELS), score
