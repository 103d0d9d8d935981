# The admin's fixtures (an operator, a row of every model) for every admin test file here.
from tests.config.test_admin import every_row, operator, ops  # noqa: F401
