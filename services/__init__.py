"""Responsible for the domain services: the use cases that flows, the web portal and the CLI share."""
