"""The teacher side of MLFF Distiller's process boundary (see docs/teacher-protocol.md)."""

__version__ = "0.1.0"
