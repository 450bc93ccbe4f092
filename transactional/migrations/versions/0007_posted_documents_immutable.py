"""posted invoices and payments are immutable, like the entries they post

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:30:00

An invoice, its lines, a payment, its allocations and an invoice's match to a purchase
order are written once, in the transaction that posts their journal entry; a correction
is a credit note, a reversal or a new payment, never an edit. The services never update
or delete these rows. The database now refuses it too, whatever writes to it, as it does
for journal entries (0001). The warehouse relies on it: these tables load by new id
instead of being re-read in full on every refresh (ingestion.extract_load).
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

POSTED_DOCUMENTS = ("invoice", "invoice_line", "payment", "payment_allocation", "invoice_match")
MESSAGE = (
    "A posted invoice or payment cannot be changed or deleted; "
    "correct it with a credit note, a reversal or a new payment."
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in POSTED_DOCUMENTS:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
                )
    else:
        op.execute(
            "CREATE FUNCTION erp_refuse_posted_document_change() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;"
        )
        for table in POSTED_DOCUMENTS:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION erp_refuse_posted_document_change();"
            )
            # Row triggers do not fire on TRUNCATE.
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION erp_refuse_posted_document_change();"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in POSTED_DOCUMENTS:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    else:
        for table in POSTED_DOCUMENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS erp_refuse_posted_document_change()")
