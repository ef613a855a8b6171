"""The FleetDesk version (apart, so modules can read it without importing the app factory)."""

__version__ = "0.1.0"
