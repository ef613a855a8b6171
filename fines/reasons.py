"""Stored reasons, notes and problems: a code the screens translate, and its parameters.

Pure. The value itself moved down to the platform (``app.reasons``) so every feature stores its
reasons the same way; it is re-exported here so the fines' code keeps importing it from its package.
"""
from __future__ import annotations

from app.reasons import Reason

__all__ = ["Reason"]
