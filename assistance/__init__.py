"""Breakdown and travel assistance: covers, cases, entitlements, deadlines, provider assignments.
Pure core (terms, rules, verdict, check_input, clocks, invoices), labels and CLI; models, services and views."""
