"""lmc's version: one place, imported by what records it (locks, packages, tables)."""

__version__ = "0.1.0"
