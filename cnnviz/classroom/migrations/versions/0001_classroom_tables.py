"""The classroom tables: classes, students, runs, quick checks, answers, join attempts.

Revision ID: 0001
Revises:
Create Date: 2026-12-07 02:18:32.503827

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "classroom_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("teacher_selector", sa.String(length=12), nullable=False),
        sa.Column("teacher_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("budget_epoch_images", sa.BigInteger(), nullable=True),
        sa.Column("budget_seconds", sa.Float(), nullable=True),
        sa.Column("budget_queued", sa.Integer(), nullable=True),
        sa.Column("view_number", sa.Integer(), nullable=False),
        sa.Column("view_page", sa.String(length=40), nullable=True),
        sa.Column("view_query", sa.Text(), nullable=True),
        sa.Column("view_follow", sa.Boolean(), nullable=False),
        sa.Column("view_sent_at", sa.Float(), nullable=True),
        sa.Column("experiment", sa.String(length=40), nullable=True),
        sa.Column("group_labels", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_class")),
        sa.UniqueConstraint("code", name=op.f("uq_classroom_class_code")),
        sa.UniqueConstraint("teacher_selector", name=op.f("uq_classroom_class_teacher_selector")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("classroom_class", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_class_created_at"), ["created_at"], unique=False)

    op.create_table(
        "classroom_join_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_join_attempt")),
    )
    with op.batch_alter_table("classroom_join_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_join_attempt_at"), ["at"], unique=False)
        batch_op.create_index("ix_classroom_join_attempt_scope_at", ["scope", "at"], unique=False)

    op.create_table(
        "classroom_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("correct_choice", sa.Integer(), nullable=True),
        sa.Column("correct_value", sa.Float(), nullable=True),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("page", sa.String(length=40), nullable=False),
        sa.Column("asked_at", sa.Float(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classroom_class.id"],
            name=op.f("fk_classroom_check_class_id_classroom_class"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_check")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("classroom_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_check_class_id"), ["class_id"], unique=False)

    op.create_table(
        "classroom_student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_key", sa.String(length=160), nullable=False),
        sa.Column("joined_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("page", sa.String(length=40), nullable=False),
        sa.Column("running", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("seen_view", sa.Integer(), nullable=False),
        sa.Column("group_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classroom_class.id"],
            name=op.f("fk_classroom_student_class_id_classroom_class"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_student")),
        sa.UniqueConstraint("selector", name=op.f("uq_classroom_student_selector")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("classroom_student", schema=None) as batch_op:
        batch_op.create_index("uq_classroom_student_class_name", ["class_id", "name_key"], unique=True)

    op.create_table(
        "classroom_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["classroom_check.id"],
            name=op.f("fk_classroom_answer_check_id_classroom_check"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["classroom_student.id"],
            name=op.f("fk_classroom_answer_student_id_classroom_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_answer")),
    )
    with op.batch_alter_table("classroom_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_answer_student_id"), ["student_id"], unique=False)
        batch_op.create_index("uq_classroom_answer_check_student", ["check_id", "student_id"], unique=True)

    op.create_table(
        "classroom_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=100), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("params", sa.BigInteger(), nullable=False),
        sa.Column("test_accuracy", sa.Float(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classroom_class.id"],
            name=op.f("fk_classroom_run_class_id_classroom_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["classroom_student.id"],
            name=op.f("fk_classroom_run_student_id_classroom_student"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classroom_run")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("classroom_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_classroom_run_class_id"), ["class_id"], unique=False)
        batch_op.create_index("uq_classroom_run_student_key", ["student_id", "run_key"], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("classroom_run", schema=None) as batch_op:
        batch_op.drop_index("uq_classroom_run_student_key")
        batch_op.drop_index(batch_op.f("ix_classroom_run_class_id"))

    op.drop_table("classroom_run")
    with op.batch_alter_table("classroom_answer", schema=None) as batch_op:
        batch_op.drop_index("uq_classroom_answer_check_student")
        batch_op.drop_index(batch_op.f("ix_classroom_answer_student_id"))

    op.drop_table("classroom_answer")
    with op.batch_alter_table("classroom_student", schema=None) as batch_op:
        batch_op.drop_index("uq_classroom_student_class_name")

    op.drop_table("classroom_student")
    with op.batch_alter_table("classroom_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classroom_check_class_id"))

    op.drop_table("classroom_check")
    with op.batch_alter_table("classroom_join_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_classroom_join_attempt_scope_at")
        batch_op.drop_index(batch_op.f("ix_classroom_join_attempt_at"))

    op.drop_table("classroom_join_attempt")
    with op.batch_alter_table("classroom_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classroom_class_created_at"))

    op.drop_table("classroom_class")
