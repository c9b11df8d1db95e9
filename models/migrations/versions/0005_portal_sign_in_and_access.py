"""portal: one-time sign-in links and co-applicants' access

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("nonce_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            models.base.UtcDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_sign_in_token_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_token")),
        sa.UniqueConstraint("nonce_sha256", name=op.f("uq_sign_in_token_nonce_sha256")),
    )
    with op.batch_alter_table("sign_in_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_token_person_id"), ["person_id"], unique=False)

    op.create_table(
        "application_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "access", sa.Enum("VIEW", "EDIT", name="access", native_enum=False, length=10), nullable=False
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("nonce_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            models.base.UtcDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_application_access_application_id_application"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["person.id"], name=op.f("fk_application_access_invited_by_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_application_access_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_access")),
        sa.UniqueConstraint(
            "application_id", "person_id", name=op.f("uq_application_access_application_id_person_id")
        ),
        sa.UniqueConstraint("nonce_sha256", name=op.f("uq_application_access_nonce_sha256")),
    )
    with op.batch_alter_table("application_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_access_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_application_access_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("application_access")
    op.drop_table("sign_in_token")
