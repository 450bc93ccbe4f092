"""Imports every table so ``SQLModel.metadata`` is complete (for Alembic and extraction)."""

from sqlmodel import SQLModel

from transactional import audit  # noqa: F401
from transactional.finance import models as finance_models  # noqa: F401
from transactional.organisation import models as organisation_models  # noqa: F401
from transactional.relations import models as relations_models  # noqa: F401
from transactional.wholesale import models as wholesale_models  # noqa: F401

metadata = SQLModel.metadata
