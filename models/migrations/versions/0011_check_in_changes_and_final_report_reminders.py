"""check-in: changes asked for by an administrator; award: final report reminded and escalated

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("check_in") as batch:
        batch.add_column(sa.Column("changes_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("changes_requested_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("changes_note", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("award") as batch:
        batch.add_column(sa.Column("final_report_reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("final_report_escalated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("award") as batch:
        batch.drop_column("final_report_escalated_at")
        batch.drop_column("final_report_reminded_at")
    with op.batch_alter_table("check_in") as batch:
        batch.drop_column("changes_note")
        batch.drop_column("changes_requested_by")
        batch.drop_column("changes_requested_at")
