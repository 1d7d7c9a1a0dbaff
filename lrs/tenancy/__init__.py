"""Tenants and their xAPI credentials."""
