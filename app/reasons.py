"""Stored reasons, notes and problems: a code the screens translate, and its parameters.

Pure: standard library only. Words are chosen at display time (each feature's labels module, such as
``fines.web.labels``), in the reader's language; parameters are strings, dates in ISO form, so they go to
JSON columns as they are. Shared by the features (fines' matching problems, assistance's findings).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Reason"]


@dataclass(frozen=True)
class Reason:
    """A code such as ``plate_pattern`` and its parameters such as ``{"country": "BE"}``."""

    code: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType({str(k): str(v) for k, v in self.params.items()}))

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))

    def as_json(self) -> dict[str, object]:
        """The reason as a JSON-ready dict: ``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Reason:
        """Read back what ``as_json`` wrote."""
        params = value.get("params") or {}
        return cls(str(value["code"]), dict(params) if isinstance(params, Mapping) else {})
