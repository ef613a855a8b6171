"""Support desk: tickets, SLA policy and clocks, escalation, status reports, uptime."""
