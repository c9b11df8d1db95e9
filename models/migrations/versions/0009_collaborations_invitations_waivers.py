"""reviewers' collaborations, reviewer invitations, waiver and onboarding times, the after-review check

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column:
    return sa.Column(
        "created_at",
        sa.DateTime(timezone=True),
        server_default=sa.text("(CURRENT_TIMESTAMP)"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "collaboration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=True),
        sa.Column("person_email", sa.String(length=254), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("last_worked_on", sa.Date(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["person.id"], name=op.f("fk_collaboration_reviewer_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboration")),
    )
    with op.batch_alter_table("collaboration") as batch:
        batch.create_index(batch.f("ix_collaboration_reviewer_id"), ["reviewer_id"], unique=False)
    op.create_table(
        "reviewer_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_type", sa.String(length=40), nullable=False),
        sa.Column("invited_by", sa.String(length=200), nullable=False),
        sa.Column("sign_in_token_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reviewer_invitation_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["funding_round.id"], name=op.f("fk_reviewer_invitation_round_id_funding_round")
        ),
        sa.ForeignKeyConstraint(
            ["sign_in_token_id"],
            ["sign_in_token.id"],
            name=op.f("fk_reviewer_invitation_sign_in_token_id_sign_in_token"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_invitation")),
        sa.UniqueConstraint("person_id", "round_id", name=op.f("uq_reviewer_invitation_person_id_round_id")),
    )
    with op.batch_alter_table("reviewer_invitation") as batch:
        batch.create_index(batch.f("ix_reviewer_invitation_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("conflict") as batch:
        batch.add_column(sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("review") as batch:
        batch.add_column(sa.Column("no_conflict_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("reviewer_profile") as batch:
        batch.add_column(sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=True))
    # Reviewers already in the pool set up before onboarding existed: they are not sent through it.
    op.execute("UPDATE reviewer_profile SET onboarded_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("reviewer_profile") as batch:
        batch.drop_column("onboarded_at")
    with op.batch_alter_table("review") as batch:
        batch.drop_column("no_conflict_confirmed_at")
    with op.batch_alter_table("conflict") as batch:
        batch.drop_column("waived_at")
    op.drop_table("reviewer_invitation")
    op.drop_table("collaboration")
