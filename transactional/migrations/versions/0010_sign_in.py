"""users sign in: password hash, e-mail, locale; the sign-in log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:00:00

Users now sign in to the dashboards (transactional.organisation.sign_in). ``app_user``
gains an argon2 ``password_hash`` (no user has one yet: ``erp users set-password`` or the
first admin made by ``erp db upgrade`` gives one), the ``email`` an OpenID Connect
provider reports, and the ``locale`` the user reads the app in. ``sign_in_event`` logs
every attempt and sign-out; like the audit log, the database refuses to change it.
The currencies' decimals are set from CLDR (JPY 0), as new currencies get them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MESSAGE = "The sign-in log cannot be changed or deleted."


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild would drop app_user's master-data triggers (0006).
    op.add_column("app_user", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.add_column("app_user", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column(
        "app_user",
        sa.Column("locale", sa.String(length=10), nullable=False, server_default="en"),
    )
    op.create_index("uq_app_user_email", "app_user", ["email"], unique=True)
    op.create_table(
        "sign_in_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("username", sa.String(length=60), nullable=False, index=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=True, index=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False, server_default="password"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER sign_in_event_no_{action.lower()} BEFORE {action} "
                f"ON sign_in_event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            )
    else:
        op.execute(
            "CREATE FUNCTION erp_refuse_sign_in_change() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;"
        )
        op.execute(
            "CREATE TRIGGER sign_in_event_immutable BEFORE UPDATE OR DELETE ON sign_in_event "
            "FOR EACH ROW EXECUTE FUNCTION erp_refuse_sign_in_change();"
        )
    from babel.numbers import get_currency_precision

    currency = sa.table("currency", sa.column("code", sa.String), sa.column("decimals", sa.Integer))
    bind = op.get_bind()
    for (code,) in bind.execute(sa.select(currency.c.code)).all():
        bind.execute(
            currency.update()
            .where(currency.c.code == code)
            .values(decimals=get_currency_precision(code))
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS sign_in_event_no_{action}")
    else:
        op.execute("DROP TRIGGER IF EXISTS sign_in_event_immutable ON sign_in_event")
        op.execute("DROP FUNCTION IF EXISTS erp_refuse_sign_in_change()")
    op.drop_table("sign_in_event")
    op.drop_index("uq_app_user_email", table_name="app_user")
    for column in ("locale", "email", "password_hash"):
        op.execute(f"ALTER TABLE app_user DROP COLUMN {column}")
