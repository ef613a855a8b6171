"""The rule tables of fine letters: which words say what, per field and language.

Pure: standard library only; data, read by ``fines.intake.fields``. Labels and phrases are written
*folded* (``fines.intake.dates.fold``: lower case, no diacritics). A label is anchored at the start
of a line unless written with a leading ``~``; labels are regular expressions with spaces standing
for any run of blanks.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ADDRESS", "AMOUNT_LEAD", "CANONICAL_ISSUERS", "COMPANY", "COMPANY_FORMS", "GENERIC_HEAD", "ISSUER_RULES",
           "KIND_PHRASES", "KNOWN_ISSUERS", "LABELS", "LANGUAGE_WORDS", "LOWER_WORDS", "NOTICE_SHAPES", "SALUTATION",
           "TITLE_WORDS", "WEAK_LABELS"]

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
TITLE_WORDS = (r"^\s*(?:beschikking|bussgeldbescheid|busgeldbescheid|anhorung|betreft|onderwerp|objet|betreff"
               r"|concerne|subject|avis de contravention|verwarnung|mahnung|aanmaning|rappel|herinnering)\b")

#: Words that tell the language (folded, whole words; shared words like "de" left out).
LANGUAGE_WORDS: Mapping[str, frozenset[str]] = MappingProxyType({
    "nl": frozenset(["het", "van", "een", "en", "op", "te", "voor", "uw", "bedrag", "datum", "uur", "betalen", "werd",
                     "niet", "met", "bij", "is", "de", "overtreding", "kenteken", "nummerplaat", "uiterlijk", "dit",
                     "deze", "wordt", "naar"]),
    "fr": frozenset(["le", "la", "les", "du", "des", "et", "a", "pour", "vous", "votre", "montant", "paiement",
                     "infraction", "est", "une", "au", "par", "sur", "plaque", "avis", "amende", "dans", "ce",
                     "cette"]),
    "de": frozenset(["der", "die", "das", "und", "zu", "bis", "den", "dem", "ist", "sie", "ihr", "ihre", "betrag",
                     "zahlbar", "uhr", "kennzeichen", "am", "wird", "nicht", "mit", "von", "fur", "auf", "eine",
                     "ein"]),
    "en": frozenset(["the", "of", "and", "to", "you", "your", "is", "by", "payment", "amount", "vehicle", "fine",
                     "on", "this", "please", "with"]),
})

#: Field labels per language, folded. ``~`` = may stand anywhere in a line (not only at its start).
LABELS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "notice_number": {
        "nl": ("ons kenmerk", "kenmerk", "referentie", "dossiernummer", "dossiernr", "dossier", "retributienummer",
               "notitienummer", "pv-nummer", "pv nummer", "nummer proces-verbaal", "proces-verbaal nr",
               "beschikkingsnummer", "beschikkingnummer", "cjib-nummer", "cjib nummer", "zaaknummer",
               "vaststellingsnummer", "nummer beschikking", "aanslagnummer", "volgnummer"),
        "fr": ("notre reference", "reference du dossier", "reference dossier", "reference", "numero de l'avis",
               "n° de l'avis", "n° d'avis", "n° avis",
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
        "fr": ("montant a payer", "montant total", "montant de l'amende forfaitaire",
               "~montant de l'amende forfaitaire",
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
WEAK_LABELS = frozenset({"dossier", "op", "le", "am", "on", "om", "a", "um", "at", "tijd", "zeit", "plaque",
                         "te betalen", "bedrag", "boete", "geldboete", "retributie", "montant", "amende",
                         "redevance", "a payer", "total", "betrag", "communication", "mededeling", "reference",
                         "az", "uiterlijk op", "~avant le", "~bis zum", "date limite", "[a-z][a-z'\\x20\\-/]{1,40},",
                         "fine", "amount", "datum", "date"})
#: Value prefixes allowed before an amount ("bedraagt 58,00 EUR", "est de 135 €", "von 35,00 EUR").
AMOUNT_LEAD = re.compile(r"^(?:(?:bedraagt|bedraagt|is|est|de|d'un montant de|van|von|betragt|of|in hohe von|"
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
GENERIC_HEAD = re.compile(
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
#: Issuers' names as they spell them: an OCR'd head line that comes close to one (a letter or two
#: misread, a stray full stop or apostrophe) is taken to be that name (``fields.read_issuer``).
KNOWN_ISSUERS: tuple[str, ...] = (
    "Parket van de procureur des Konings", "Parquet du procureur du Roi", "Staatsanwaltschaft",
    "Centraal Justitieel Incassobureau", "Agence nationale de traitement automatisé des infractions",
    "Zentrale Bußgeldstelle", "Police Grand-Ducale", "Officier du ministère public",
)
#: Notice numbers whose shape is known, as OCR may render them (full stops read as spaces or
#: colons, a slash as a semicolon, a colon or an ``i``), and how to write them again: the Belgian
#: police's report numbers (``AN.57.L8.905972/2026``, the French-speaking ``LI.72.F5.922029/2026``)
#: and the police zones' references (``PZ/5330/11873-26``, a zone number of four digits). The
#: report number's third part is a letter and a digit (``L2``): a one before its digit is an ``L``.
_STOP = r"[^\S\n]*[.:,;][^\S\n]*|[^\S\n]+"
_SLASH = r"[^\S\n]*[/;:|!iIl1][^\S\n]*"
NOTICE_SHAPES: tuple[tuple[str, str], ...] = (
    (rf"^(?P<a>[A-Z1l|][A-Z1Il|])(?:{_STOP})(?P<b>\d{{2}})(?:{_STOP})(?P<c>[A-Z1l|]\d)(?:{_STOP})(?P<d>\d{{6}})"
     rf"(?:[^\S\n]*[/;:|][^\S\n]*|[^\S\n]+)(?P<e>(?:19|20)\d{{2}})(?!\d)", "{a}.{b}.{c}.{d}/{e}"),
    (rf"^(?P<police>PZ|ZP)(?:{_SLASH})?(?P<zone>\d[\d\-.]{{3,4}})(?:{_SLASH})(?P<serial>\d{{4,6}})[^\S\n]*-[^\S\n]*"
     rf"(?P<year>\d{{2}})(?!\d)", "{police}/{zone}/{serial}-{year}"),
)
#: Company forms ending an addressee's name (NV, SA, GmbH, ...).
COMPANY_FORMS = (r"bv|nv|sa|srl|bvba|sprl|cv|cvba|vof|commv|gmbh|ag|kg|sas|sarl|ltd|llc|se|asbl|vzw|scrl|snc")
#: Words an issuer's name keeps in lower case when it is rewritten from capitals.
LOWER_WORDS = frozenset({"van", "de", "der", "den", "des", "du", "la", "le", "les", "sur", "aan", "op", "am",
                         "im", "an", "et", "en", "und", "d'", "l'"})
#: A line ending in a company form (NV, SA, GmbH, ...): the addressee, a lease company.
COMPANY = re.compile(r"\b(?:" + COMPANY_FORMS + r"|s\.a|b\.v|n\.v|bv\s*bv|co\.?\s*kg)\.?\s*$", re.IGNORECASE)
#: A line that only addresses someone ("Aan:", "Monsieur"): the addressee's name follows.
SALUTATION = re.compile(r"^(?:aan|a|à|an|to|herrn?|frau|firma|mevrouw|mijnheer|monsieur|madame|dhr\.?|mevr\.?)"
                        r"\s*:?\s*$", re.IGNORECASE)
#: Address-like text: a postcode and place, a post-office box, a street and number.
ADDRESS = re.compile(r"\b(?:[a-z]-?)?\d{4,5}\s+[A-Z][\w'\-]+|\b(?:postbus|boite postale|bp|postfach)\b|"
                     r"\b[A-Za-z\-']{3,}\s+\d{1,4}[a-z]?\b(?:\s*(?:bus|bte|boite)\s*\d+)?\s*(?:,|$)",
                     re.IGNORECASE)
