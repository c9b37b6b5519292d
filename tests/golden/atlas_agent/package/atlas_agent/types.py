"""Enums, and records as pydantic models."""
