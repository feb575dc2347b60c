"""search indexes: trigram name search, SNI divisions, company_contacts.company_id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:20:00.000000

The company list's search looks for infixes (LIKE '%word%') of folded names and e-mail addresses.
PostgreSQL answers those from pg_trgm GIN indexes (the extension must be available; the migration
creates it). SQLite answers them from FTS5 tables with the trigram tokenizer, external-content
tables over companies and contact_persons kept in sync by triggers.

Beware on SQLite: a later batch migration that recreates `companies` or `contact_persons` drops
their triggers with the old table; such a migration must create the triggers again (as
`_sqlite_triggers()` below does) and rebuild the search tables. tests/companies/test_search_index.py
notices a search table that has fallen out of step.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


PG_TRIGRAM_INDEXES = {
    "ix_companies_name_key_trgm": ("companies", "name_key"),
    "ix_contact_persons_name_key_trgm": ("contact_persons", "name_key"),
    "ix_contact_persons_email_trgm": ("contact_persons", "email"),
}

# (search table, content table, indexed columns)
SQLITE_SEARCH_TABLES = [
    ("company_name_search", "companies", ("name_key",)),
    ("contact_person_search", "contact_persons", ("name_key", "email")),
]


def _sqlite_triggers(search: str, content: str, columns: tuple[str, ...]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    insert = f"INSERT INTO {search}(rowid, {names}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {search}({search}, rowid, {names}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE TRIGGER {search}_ai AFTER INSERT ON {content} BEGIN {insert} END",
        f"CREATE TRIGGER {search}_ad AFTER DELETE ON {content} BEGIN {delete} END",
        f"CREATE TRIGGER {search}_au AFTER UPDATE OF {names} ON {content} BEGIN {delete} {insert} END",
    ]


def upgrade():
    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_contacts_company_id"), ["company_id"], unique=False)

    with op.batch_alter_table("company_sni", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division", sa.String(length=2), server_default="", nullable=False))
    op.execute("UPDATE company_sni SET division = substr(code, 1, 2)")
    with op.batch_alter_table("company_sni", schema=None) as batch_op:
        batch_op.create_index("ix_company_sni_division_company_id", ["division", "company_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in PG_TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
    elif op.get_bind().dialect.name == "sqlite":
        for search, content, columns in SQLITE_SEARCH_TABLES:
            op.execute(
                f"CREATE VIRTUAL TABLE {search} USING fts5({', '.join(columns)}, "
                f"content='{content}', content_rowid='id', tokenize='trigram')"
            )
            for statement in _sqlite_triggers(search, content, columns):
                op.execute(statement)
            op.execute(f"INSERT INTO {search}({search}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # The pg_trgm extension stays: other objects may use it, and it is harmless.
    elif op.get_bind().dialect.name == "sqlite":
        for search, _content, _columns in SQLITE_SEARCH_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {search}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {search}")

    with op.batch_alter_table("company_sni", schema=None) as batch_op:
        batch_op.drop_index("ix_company_sni_division_company_id")
        batch_op.drop_column("division")

    with op.batch_alter_table("company_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_contacts_company_id"))
