"""Uptime: probes, outages and announced maintenance, and the availability maths (working hours,
error budget) behind the uptime screens, gauges and announcements."""
