"""Responsible for cogrant's domain model: tables, the lifecycle table, input schemas and domain errors.

Importing this package registers every table on `Base.metadata` (Alembic relies on that).
"""

from models.applications import Application, BudgetLine, CoLead, Document
from models.audit import AuditEntry
from models.awards import Award, CheckIn, CloseOutReport, Milestone, NamingConsent, Payment
from models.base import Base
from models.lifecycle import ApplicationStatus
from models.notification_preference import NotificationPreference
from models.outbox import OutboxMessage
from models.people import (
    Collaboration,
    Organisation,
    Person,
    ReviewerInvitation,
    ReviewerProfile,
    RoleGrant,
)
from models.portal import Access, ApplicationAccess, SignInToken
from models.review import Assignment, AssignmentRemoval, Conflict, PanelAttendance, PanelDecision, Review
from models.rounds import FundingRound

__all__ = [
    "Access",
    "Application",
    "ApplicationAccess",
    "ApplicationStatus",
    "Assignment",
    "AssignmentRemoval",
    "AuditEntry",
    "Award",
    "Base",
    "BudgetLine",
    "CheckIn",
    "CloseOutReport",
    "CoLead",
    "Collaboration",
    "Conflict",
    "Document",
    "FundingRound",
    "Milestone",
    "NamingConsent",
    "NotificationPreference",
    "Organisation",
    "OutboxMessage",
    "PanelAttendance",
    "PanelDecision",
    "Payment",
    "Person",
    "Review",
    "ReviewerInvitation",
    "ReviewerProfile",
    "RoleGrant",
    "SignInToken",
]
