"""Backups: tiers, storage targets, manifests, verification, retention, restore drills."""
