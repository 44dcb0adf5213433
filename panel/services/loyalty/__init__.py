"""Loyalty tiers (issue 17): settings and tiers (setup.py), the set-based evaluation
(evaluation.py), the real-time upgrade after a document (realtime.py), manual assignment
(manual.py) and what a customer's tier is and grants (standing.py)."""
