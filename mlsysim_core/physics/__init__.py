"""Pure-float physics formulas (no pint). See docs/architecture.md."""
from . import constants  # noqa: F401
