"""What a lease contract tells the operator to do with its fines (pure: standard library only)."""
from __future__ import annotations

from enum import StrEnum

__all__ = ["Instruction"]


class Instruction(StrEnum):
    """The contract's standing instruction for its fines."""

    REDIRECT = "redirect"  # verleggen: designate the driver to the authority
    RECHARGE = "recharge"  # doorbelasten: pay the fine and invoice it on to the lessee
