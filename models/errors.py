"""Responsible for cogrant's domain error hierarchy; the web layer and CLI map these to messages.

CograntError
├── DomainError                 a rule of the funding process was broken
│   ├── IllegalTransition       the lifecycle table has no such status change
│   ├── GuardFailed             the change exists but its preconditions are not met
│   └── DuplicateAction         the same action was already done (safe to ignore on retry)
├── NotFound                    no such record
├── AccessDenied                the person may not see or change this record
├── ConcurrentEdit              someone else saved the record first
└── ConfigurationError          a setting is missing or unusable
"""

from __future__ import annotations


class CograntError(Exception):
    """Base of every error cogrant raises on purpose."""


class DomainError(CograntError):
    pass


class IllegalTransition(DomainError):
    def __init__(self, entity: str, from_status: str, to_status: str, allowed: list[str]) -> None:
        self.from_status, self.to_status, self.allowed = from_status, to_status, allowed
        allowed_text = ", ".join(allowed) if allowed else "none (final status)"
        super().__init__(
            f"{entity} cannot move from '{from_status}' to '{to_status}'; allowed next: {allowed_text}"
        )


class GuardFailed(DomainError):
    def __init__(self, entity: str, to_status: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{entity} cannot move to '{to_status}' yet: " + "; ".join(problems))


class DuplicateAction(DomainError):
    pass


class NotFound(CograntError):
    pass


class AccessDenied(CograntError):
    pass


class ConcurrentEdit(CograntError):
    pass


class ConfigurationError(CograntError):
    pass
