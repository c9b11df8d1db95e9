"""Responsible for test helpers shared across the suite: factories and server launchers."""
