"""The feeds' tests use the API tests' company: two projects of each visibility, a budget request type."""
from tests.api.conftest import budget_type, company, make_task_for  # noqa: F401  (fixtures)
