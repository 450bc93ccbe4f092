"""Imports every table so ``SQLModel.metadata`` is complete (for Alembic and extraction)."""

from sqlmodel import SQLModel

from transactional import audit  # noqa: F401
from transactional.budgets import models as budgets_models  # noqa: F401
from transactional.consolidation import models as consolidation_models  # noqa: F401
from transactional.finance import models as finance_models  # noqa: F401
from transactional.manufacturing import models as manufacturing_models  # noqa: F401
from transactional.organisation import models as organisation_models  # noqa: F401
from transactional.purchasing import models as purchasing_models  # noqa: F401
from transactional.relations import models as relations_models  # noqa: F401
from transactional.sales import models as sales_models  # noqa: F401
from transactional.stock import models as stock_models  # noqa: F401
from transactional.wholesale import models as wholesale_models  # noqa: F401

metadata = SQLModel.metadata
