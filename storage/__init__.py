"""Storage of questions, votes and surveys, under pseudonymous citizen keys.

Nothing in this package imports ``telegram``: the bot, the officer tools and the tests all
use it the same way. Handlers code against :class:`Storage`; :class:`SqliteStorage` is the
implementation, and :mod:`storage.queries` holds the read side of officers' reports.
"""

from storage.base import (
    SIPAS_FACTORS,
    Outcome,
    Stats,
    Storage,
    StorageError,
    StorageProblem,
    SurveyStage,
    SurveyState,
    UnansweredGroup,
    VoteResult,
)
from storage.pseudonym import citizen_key, is_citizen_key
from storage.sqlite import SqliteStorage

__all__ = [
    "SIPAS_FACTORS",
    "Outcome",
    "SqliteStorage",
    "Stats",
    "Storage",
    "StorageError",
    "StorageProblem",
    "SurveyStage",
    "SurveyState",
    "UnansweredGroup",
    "VoteResult",
    "citizen_key",
    "is_citizen_key",
]
