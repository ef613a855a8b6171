"""The support desk: tickets and their event log, the SLA policy and clocks, escalation, warnings,
monthly reports, the desk's metrics, words and screens."""
