"""Exercises with checked answers, one small module per notebook (Kaggle Learn's pattern).

In a notebook::

    from mnist_cnn.exercises import ex02 as exercises

    parameters = ...                      # the reader replaces ... with an answer
    exercises.q2.check(parameters)        # "Correct", or what is wrong and why
    exercises.q2.hint()                   # a nudge
    exercises.q2.solution()               # the answer, with the code that gives it

An answer left as `...` is reported as "not answered yet", so a notebook with blank answers
runs top to bottom. `check()` never raises for a wrong answer: it returns a `Result` that
shows as one line of text, and whose `.status` the tests read.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

CORRECT, INCORRECT, UNANSWERED = "correct", "incorrect", "unanswered"


class Wrong(Exception):  # noqa: N818 (an answer, not an error of the program)
    """Raised by a checker to say what is wrong with an answer, in words for the reader."""


@dataclass(frozen=True)
class Result:
    """The outcome of `Exercise.check`: a status and the sentence shown to the reader."""

    status: str  # "correct", "incorrect" or "unanswered"
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __repr__(self) -> str:
        prefix = {CORRECT: "Correct", INCORRECT: "Not yet", UNANSWERED: "Not answered yet"}
        return f"{prefix[self.status]}: {self.message}"


def _block(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


class Exercise:
    """One question: a checker, a hint and a solution.

    Args:
        name: how the notebook refers to it, e.g. "q2".
        kind: "predict", "compute", "code", "read your results" or "challenge".
        answer_name: the variable the reader fills in (the solution code assigns it).
        checker: `checker(answer, **context)`; returns a sentence of praise (or None) when
            the answer is right and raises `Wrong("what is wrong")` when it is not.
        hint: a nudge that does not give the answer away.
        solution: code that assigns `answer_name`, followed by `explanation`.
        explanation: why the solution is right, shown after the code.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        answer_name: str,
        checker: Callable[..., str | None],
        hint: str,
        solution: str,
        explanation: str = "",
    ):
        self.name = name
        self.kind = kind
        self.answer_name = answer_name
        self._checker = checker
        self.hint_text = _block(hint)
        self.solution_code = _block(solution)
        self.explanation = _block(explanation)

    def check(self, answer=..., **context) -> Result:
        """Check `answer`; `context` passes what the truth depends on (your model, your data)."""
        if answer is ...:
            return Result(
                UNANSWERED,
                f"replace the ... in `{self.answer_name} = ...` with your answer, run that "
                f"cell, then run this one again. Stuck? `{self.name}.hint()`.",
            )
        try:
            praise = self._checker(answer, **context)
        except Wrong as reason:
            return Result(INCORRECT, str(reason))
        except Exception as error:  # an answer the checker could not even read
            return Result(
                INCORRECT,
                f"could not check this answer ({type(error).__name__}: {error}). "
                f"Look at what `{self.answer_name}` holds; `{self.name}.hint()` may help.",
            )
        return Result(CORRECT, praise or "well done.")

    def hint(self) -> None:
        """Print a hint."""
        print(f"Hint ({self.name}): {self.hint_text}")

    def solution(self) -> None:
        """Print the solution: code, then why it is right."""
        print(f"Solution ({self.name}):\n\n{textwrap.indent(self.solution_code, '    ')}")
        if self.explanation:
            print(f"\n{self.explanation}")

    def __repr__(self) -> str:
        return f"<exercise {self.name} ({self.kind}): check(), hint(), solution()>"


def as_number(answer, what: str = "your answer") -> float:
    """`answer` as a float, or `Wrong` saying a single number was expected."""
    import numpy as np

    if isinstance(answer, str):
        raise Wrong(f"{what} is the text {answer!r}; give a number, without quotes.")
    array = np.asarray(answer)
    if array.size != 1:
        raise Wrong(
            f"{what} has shape {array.shape}, but the question asks for one number"
            + (" (did you forget .sum()?)" if array.dtype == bool else ".")
        )
    try:
        return float(array.reshape(()))
    except (TypeError, ValueError):
        raise Wrong(f"{what} is {answer!r}, which is not a number.") from None


def as_choice(answer, choices: dict[str, str], what: str = "your answer") -> str:
    """`answer` as one of the keys of `choices` (case and spaces ignored), or `Wrong`."""
    options = ", ".join(repr(key) for key in choices)
    if not isinstance(answer, str):
        raise Wrong(f"{what} is {answer!r}; answer with one of the words {options}.")
    key = answer.strip().lower()
    if key not in choices:
        raise Wrong(f"{what} is {answer!r}; choose one of {options}.")
    return key


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
