"""Alembic's entry point for the classroom's migrations: always given a connection by ``database.migrate``.

To write a new migration after changing ``models.py`` (it is then applied on first use everywhere)::

    python -m cnnviz.classroom.database revision "what changed"
"""

from __future__ import annotations

from alembic import context

from cnnviz.classroom.database import VERSION_TABLE
from cnnviz.classroom.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the classroom's migrations run through cnnviz.classroom.database (no offline mode)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
