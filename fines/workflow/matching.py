"""Find the lease contract a fine belongs to: the one for its plate on the day of the offence.

Pure. The rule itself lives in the platform (``app.fleet.matching``: every feature matches by it) and
is re-exported here; what is the fines' own stays: whether a letter was addressed to another company.
"""
from __future__ import annotations

from app.fleet.matching import (
    MATCH_CODES,
    ContractPeriod,
    MatchResult,
    match_contract,
    overlaps,
    plate_key,
    shown_plate,
)

__all__ = ["MATCH_CODES", "ContractPeriod", "MatchResult", "addressed_elsewhere", "match_contract", "overlaps",
           "plate_key", "shown_plate"]


#: Legal forms and words every leasing company's name may carry: they say nothing about which one.
_GENERIC_NAME_WORDS = frozenset({
    "nv", "bv", "sa", "srl", "bvba", "sprl", "cv", "cvba", "vof", "commv", "gmbh", "ag", "kg", "sas", "sarl", "ltd",
    "llc", "se", "asbl", "vzw", "scrl", "snc", "n", "v", "s", "a", "b", "lease", "leasing", "fleet", "car", "cars",
    "auto", "autos", "rent", "rental", "services", "service", "group", "groep", "groupe", "belgium", "belgie",
    "belgique", "benelux", "belux", "mobility", "solutions", "the", "de", "het", "la", "le", "les", "et", "en",
    "and", "of", "van", "du", "des", "firma", "aan",
})


def _name_words(name: str) -> set[str]:
    import unicodedata

    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch))
    return set(plain.split())


def addressed_elsewhere(addressee: str | None, client_name: str | None) -> bool:
    """Tell whether a letter's addressee names another company than the client.

    The distinctive words of the client's name are compared (legal forms and words such as
    "lease" or "fleet" say nothing); a letter with no addressee read is not flagged.
    """
    if not addressee or not client_name:
        return False
    written, client = _name_words(addressee), _name_words(client_name)
    distinctive = client - _GENERIC_NAME_WORDS or client
    if not written or not distinctive:
        return False
    glued = "".join(sorted(written))
    return not (distinctive & written) and not any(word in glued for word in distinctive if len(word) >= 4)
