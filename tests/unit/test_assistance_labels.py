"""Every assistance code has its words (assistance.labels), and every finding the check gives can be said."""
from __future__ import annotations

import re

from assistance import labels
from assistance.check_input import ERROR_CODES, EXPECTED
from assistance.clocks import DOCUMENTS
from assistance.invoices import INVOICE_CODES, ITEMS, InvoiceLine, check_invoice
from assistance.rules import RULES
from assistance.terms import Body, Cause, Exclusion
from assistance.verdict import FINDING_CODES
from tests.unit import test_assistance_rules as worked

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_code_of_the_core_has_words() -> None:
    assert set(labels.FINDINGS) == set(FINDING_CODES)
    assert set(labels.INVOICE_REASONS) == set(INVOICE_CODES)
    assert set(labels.INPUT_ERRORS) == set(ERROR_CODES)
    assert set(labels.EXPECTED) == set(EXPECTED)
    assert set(labels.DOCUMENTS) == set(DOCUMENTS)
    assert set(labels.DEADLINES) >= {"police_report_receipt", "proof_of_costs", "repay_advances",
                                     "return_replacement", "provider_contact", "provider_appointment"}
    assert set(labels.BODIES) == {b.value for b in Body}
    assert set(labels.CAUSES) == {c.value for c in Cause}
    assert set(labels.EXCLUSIONS) == {e.value for e in Exclusion}
    assert set(labels.ITEMS) >= set(ITEMS)
    for table in RULES.values():
        assert set(table.territory.excluded_regions.values()) <= set(labels.REGIONS)
        for row in table.entitlements:
            assert {row.category, *row.by_body.values(), *row.upgrade.values()} <= set(labels.CATEGORIES)
            assert {c.item for c in (*row.caps, *row.alternatives)} <= set(labels.ITEMS)
            assert {c.per for c in (*row.caps, *row.alternatives)} <= set(labels.PER)


def test_every_finding_of_the_worked_cases_is_said_with_all_its_parameters() -> None:
    verdicts = [worked.judge(p, c=c, v=v, k=k) for _, p, c, v, k, _ in worked.ENTITLEMENTS]
    verdicts += [worked.judge(p, c=c, k=k) for _, p, c, k, _, _ in worked.START]
    verdicts += [worked.judge(k=k) for _, k, _, _, _ in worked.IMMOBILISATION]
    verdicts += [worked.judge(p, k={"country": country}) for p, country, _, _ in worked.TERRITORY]
    findings = [f for v in verdicts for f in v.reasons]
    findings += [f for line in check_invoice(verdicts[0], [InvoiceLine("hotel", "", 1, 99999),
                                                           InvoiceLine("fuel", "", 1, 10)], passengers=1).lines
                 for f in line.reasons]
    for finding in findings:
        template = str(labels.FINDINGS.get(finding.code, labels.INVOICE_REASONS.get(finding.code)))
        assert set(PLACEHOLDER.findall(template)) <= set(finding.params), finding
        text = labels.finding_text(finding)
        assert text != finding.code and "%(" not in text, finding


def test_coded_parameters_are_said_in_words() -> None:
    verdict = worked.judge(k={"country": "ES-CN"})
    assert labels.finding_text(verdict.reasons[0]) == "The Canary Islands (ES-CN) is outside the cover's territory."
    granted = worked.judge().reasons[-1]
    assert labels.finding_text(granted) == ("Replacement vehicle: category B for at most 7 consecutive days, to be "
                                            "returned by 16 March 2026.")
    assert labels.error_text("bad_type", {"expected": "boolean"}) == "Expected: true or false."
