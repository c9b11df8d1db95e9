"""reviewer payments: each person's choice, fee and expense records, panel attendance, nominations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFERENCES = ("FEE", "DECLINE", "VOUCHERS", "TO_ORGANISATION")
EXPENSE_KINDS = ("TRAVEL", "CARER_COVER", "PERSONAL_ASSISTANT_COVER", "OTHER")


def upgrade() -> None:
    op.create_table(
        "panel_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["funding_round.id"], name=op.f("fk_panel_attendance_round_id_funding_round")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_panel_attendance_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_attendance")),
        sa.UniqueConstraint(
            "round_id", "person_id", "day", name=op.f("uq_panel_attendance_round_id_person_id_day")
        ),
    )
    op.create_index(op.f("ix_panel_attendance_round_id"), "panel_attendance", ["round_id"])
    op.create_index(op.f("ix_panel_attendance_person_id"), "panel_attendance", ["person_id"])
    with op.batch_alter_table("reviewer_profile") as batch:
        batch.add_column(sa.Column("payee_organisation", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("public_sector_salaried", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("payment_choice_updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("review") as batch:
        batch.add_column(
            sa.Column("nominated_for_discussion", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("nomination_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("panel_attendance_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claim_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "method",
                sa.Enum(*PREFERENCES, name="paymentpreference", native_enum=False, length=40),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("payee_organisation", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column(
                "expense_kind",
                sa.Enum(*EXPENSE_KINDS, name="expensekind", native_enum=False, length=40),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("earned_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("hold_released_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(op.f("fk_payment_review_id_review"), "review", ["review_id"], ["id"])
        batch.create_foreign_key(
            op.f("fk_payment_panel_attendance_id_panel_attendance"),
            "panel_attendance",
            ["panel_attendance_id"],
            ["id"],
        )
        batch.create_foreign_key(
            op.f("fk_payment_round_id_funding_round"), "funding_round", ["round_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_payment_review_id"), ["review_id"])
        batch.create_unique_constraint(op.f("uq_payment_panel_attendance_id"), ["panel_attendance_id"])
        batch.create_unique_constraint(op.f("uq_payment_claim_key"), ["claim_key"])
        batch.create_index(op.f("ix_payment_round_id"), ["round_id"])
        batch.create_index(op.f("ix_payment_payee_person_id"), ["payee_person_id"])


def downgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.drop_index(op.f("ix_payment_payee_person_id"))
        batch.drop_index(op.f("ix_payment_round_id"))
        batch.drop_constraint(op.f("uq_payment_claim_key"), type_="unique")
        batch.drop_constraint(op.f("uq_payment_panel_attendance_id"), type_="unique")
        batch.drop_constraint(op.f("uq_payment_review_id"), type_="unique")
        batch.drop_constraint(op.f("fk_payment_round_id_funding_round"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_payment_panel_attendance_id_panel_attendance"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_payment_review_id_review"), type_="foreignkey")
        for column in (
            "hold_released_at",
            "earned_on",
            "description",
            "expense_kind",
            "payee_organisation",
            "method",
            "round_id",
            "claim_key",
            "panel_attendance_id",
            "review_id",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("review") as batch:
        batch.drop_column("nomination_reason")
        batch.drop_column("nominated_for_discussion")
    with op.batch_alter_table("reviewer_profile") as batch:
        batch.drop_column("payment_choice_updated_at")
        batch.drop_column("public_sector_salaried")
        batch.drop_column("payee_organisation")
    op.drop_index(op.f("ix_panel_attendance_person_id"), table_name="panel_attendance")
    op.drop_index(op.f("ix_panel_attendance_round_id"), table_name="panel_attendance")
    op.drop_table("panel_attendance")
