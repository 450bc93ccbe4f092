"""the audit log is append-only in the database

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 00:15:00

An audit trail that can be edited proves nothing: the services only ever add rows to
``audit_log`` (transactional.audit), and now the database refuses to change or delete
them, whatever writes to it. The warehouse loads the log by new id on that promise
(ingestion.extract_load), checking counts and ids against the source in the full refresh.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MESSAGE = "The audit log cannot be changed or deleted."


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            )
        return
    op.execute(
        "CREATE FUNCTION erp_refuse_audit_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;"
    )
    op.execute(
        "CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION erp_refuse_audit_change();"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION erp_refuse_audit_change();"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{action}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_immutable ON audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS erp_refuse_audit_change()")
