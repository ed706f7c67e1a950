"""Graded exercises: the check framework (:mod:`.core`), each exercise's checks (:mod:`.checks`),
the notebook grader (:mod:`.grader`, ``mip6lab grade``) and the exercise generator (:mod:`.generate`)."""

from mip6lab.grading.core import (
    Case,
    CheckError,
    CheckFailed,
    NotAttempted,
    TimeLimitExceeded,
    Verdict,
    install_ipython_handler,
    run_check,
    time_limit,
    try_it,
)

__all__ = [
    "Case",
    "CheckError",
    "CheckFailed",
    "NotAttempted",
    "TimeLimitExceeded",
    "Verdict",
    "install_ipython_handler",
    "run_check",
    "time_limit",
    "try_it",
]
