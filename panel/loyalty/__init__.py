"""Loyalty rules as pure modules (no Flask, no database): points (points.py) and, later, tiers.
Each reads like the issue's text of its rule, so the two can be checked against each other."""
