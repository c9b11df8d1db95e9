"""Test helpers shared across test packages: factories for domain objects, launchers for protocol servers."""
