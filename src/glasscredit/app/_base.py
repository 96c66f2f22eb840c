"""The typed values every use case returns, and the JSON they become.

Results are frozen pydantic models with explicit fields (no ``dict[str, Any]``), so the
REST service can publish them as its response schemas unchanged. The one way to turn a
result into JSON data is :meth:`AppModel.as_json`.
"""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel, ConfigDict, JsonValue

__all__ = ["AppModel", "JsonScalar", "JsonValue"]

JsonScalar = str | int | float | bool | None


class AppModel(BaseModel):
    """Base of every use case's input and result: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def as_json(self) -> dict[str, JsonValue]:
        """The result as JSON data (what ``--json`` prints and the service returns)."""
        return cast(dict[str, JsonValue], self.model_dump(mode="json"))
