"""Exercises with checked answers, one small module per notebook (Kaggle Learn's pattern).

In a notebook::

    from mnist_cnn.exercises import ex02

    parameters = ...                      # the reader replaces ... with an answer
    ex02.q4.check(parameters)             # "Correct", or what is wrong and why
    ex02.q4.hint()                        # a nudge
    ex02.q4.solution()                    # the answer, with the code that gives it

A checker that judges the reader's own run is given it by keyword
(`ex03.q4.check(best_epoch, history=history)`); a keyword left out, misspelt or still `...`
is named as such, and the answer is not judged.

`check()` never raises: it returns a `Result` that shows as one line of text, and whose
`.status` the tests read. An answer left as `...` is "not answered yet", so a notebook with
blank answers runs top to bottom.

Checkers share the helpers below: `as_number` and friends read an answer strictly (the text
"49" is not a number, 13.9 is not the whole number 13) and `isclose` compares with a
tolerance, so `10_000 * (1 - 0.8)`, which is 1999.9999999999995, counts as 2,000.
"""

from __future__ import annotations

import difflib
import math
import numbers
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CORRECT, INCORRECT, UNANSWERED, UNCHECKED = "correct", "incorrect", "unanswered", "unchecked"


class Wrong(Exception):  # noqa: N818 (an answer, not an error of the program)
    """Raised by a checker to say what is wrong with an answer, in words for the reader."""


class Unchecked(Exception):  # noqa: N818 (a call to fix, not an error of the program)
    """Raised by a checker when what it was given besides the answer (a keyword such as
    `history=`) cannot be used: the answer is then not judged at all."""


@dataclass(frozen=True)
class Result:
    """The outcome of `Exercise.check`: a status and the sentence shown to the reader."""

    status: str  # "correct", "incorrect", "unanswered" or "unchecked"
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __repr__(self) -> str:
        prefix = {
            CORRECT: "Correct",
            INCORRECT: "Not yet",
            UNANSWERED: "Not answered yet",
            UNCHECKED: "Not checked",
        }
        return f"{prefix[self.status]}: {self.message}"


@dataclass(frozen=True)
class Keyword:
    """Something a checker needs besides the answer, passed by keyword: the reader's own
    data, model or training run.

    Args:
        name: the keyword, e.g. "history".
        passes: what the notebook passes, e.g. "history" or "len(fit_images)".
        what: what it is, in words, e.g. "the History your training run returned".
        blank: what to say when it is still `...` (e.g. "answer exercise 1 first").
        answer: True when this keyword *is* the reader's answer (an experiment judged from
            `history=` and `model=` alone): left as `...` it means "not answered yet".
    """

    name: str
    passes: str
    what: str
    blank: str = ""
    answer: bool = False


def _block(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


class Exercise:
    """One question: a checker, a hint and a solution.

    Args:
        name: how the notebook refers to it, e.g. "ex02.q2".
        kind: "predict", "compute", "code", "read your results", "challenge" or "experiment".
        answer_name: the variable the reader fills in (the solution code assigns it), or
            None for an exercise judged from its keywords alone.
        checker: `checker(answer, **keywords)` (or `checker(**keywords)` without an
            answer_name); returns a sentence of praise when the answer is right, raises
            `Wrong("what is wrong")` when it is not, and `Unchecked("...")` when a keyword
            cannot be used.
        hint: a nudge that does not give the answer away.
        solution: code that assigns `answer_name`, followed by `explanation`.
        explanation: why the solution is right, shown after the code.
        keywords: what the checker needs besides the answer (see `Keyword`).
    """

    def __init__(
        self,
        name: str,
        kind: str,
        answer_name: str | None,
        checker: Callable[..., str],
        hint: str,
        solution: str,
        explanation: str = "",
        keywords: tuple[Keyword, ...] = (),
    ):
        self.name = name
        self.kind = kind
        self.answer_name = answer_name
        self._checker = checker
        self.hint_text = _block(hint)
        self.solution_code = _block(solution)
        self.explanation = _block(explanation)
        self.keywords = {keyword.name: keyword for keyword in keywords}

    @property
    def call(self) -> str:
        """How the notebook calls the checker, e.g. `ex03.q4.check(best_epoch, history=history)`."""
        given = [self.answer_name] if self.answer_name else []
        given += [f"{key.name}={key.passes}" for key in self.keywords.values()]
        return f"{self.name}.check({', '.join(given)})"

    def check(self, answer=..., **given) -> Result:
        """Check `answer`; the keywords pass what the truth depends on (your model, your data)."""
        if self.answer_name is None and answer is not ...:
            return Result(UNCHECKED, f"this exercise takes keywords only: call {self.call}.")
        blank = self._blank(answer, given)
        if blank:
            return Result(UNANSWERED, blank)
        problem = self._keyword_problem(given)
        if problem:
            return Result(UNCHECKED, problem)
        try:
            if self.answer_name is None:
                praise = self._checker(**given)
            else:
                praise = self._checker(answer, **given)
        except Wrong as reason:
            return Result(INCORRECT, str(reason))
        except Unchecked as reason:
            text = str(reason).rstrip(". ")
            return Result(UNCHECKED, f"{text}. Your answer was not judged; call {self.call}.")
        except Exception as error:  # an answer the checker could not even read
            name = self.answer_name or "what you passed"
            return Result(
                INCORRECT,
                f"could not check this answer ({type(error).__name__}: {error}). "
                f"Look at what `{name}` holds; `{self.name}.hint()` may help.",
            )
        return Result(CORRECT, praise or "well done.")

    def _blank(self, answer, given: dict) -> str:
        """The "not answered yet" sentence, or "" when there is an answer to check."""
        blanks = [self.answer_name] if self.answer_name and answer is ... else []
        blanks += [  # the learner's variable (e.g. my_model), which `passes` names
            key.passes if key.passes.isidentifier() else key.name
            for key in self.keywords.values()
            if key.answer and given.get(key.name) is ...
        ]
        if not blanks:
            return ""
        where = " and ".join(f"`{name} = ...`" for name in blanks)
        return (
            f"replace the ... in {where} with your answer, run that cell, then run this one "
            f"again. Stuck? `{self.name}.hint()`."
        )

    def _keyword_problem(self, given: dict) -> str:
        """What is wrong with the keywords passed (unknown, missing, still `...`), or ""."""
        unknown = [name for name in given if name not in self.keywords]
        if unknown:
            known = list(self.keywords)
            guesses = {name: difflib.get_close_matches(name, known, n=1) for name in unknown}
            said = ", ".join(
                f"{name}=" + (f" (did you mean {guesses[name][0]}=?)" if guesses[name] else "")
                for name in unknown
            )
            takes = ", ".join(f"{name}=" for name in known) or "no keywords"
            return (
                f"{self.name}.check() does not take {said}; it takes {takes}. "
                f"Call it as {self.call}."
            )
        missing = [key for key in self.keywords.values() if key.name not in given]
        if missing:
            needs = "; ".join(f"{key.name}=, {key.what}" for key in missing)
            return (
                f"the checker needs {needs}: it is not your answer that is wrong, the "
                f"keyword is missing. Call it as {self.call}."
            )
        for key in self.keywords.values():
            if given[key.name] is ...:
                return (
                    f"{key.name}= is still `...`: "
                    + (key.blank or f"run the cell that makes {key.passes} first")
                    + f". Then call {self.call}."
                )
        return ""

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


# ---- reading answers strictly --------------------------------------------------------------


def isclose(value: float, truth: float, *, rel_tol: float = 1e-9, abs_tol: float = 0.0) -> bool:
    """`math.isclose`: the one way checkers compare numbers (never `==`, never truncated)."""
    return math.isclose(value, truth, rel_tol=rel_tol, abs_tol=abs_tol)


def whole_number(value: float) -> int | None:
    """`value` as an int if it is a whole number up to float rounding (1999.9999999999995
    is 2000), else None (13.9 is not 13)."""
    nearest = round(value)
    return int(nearest) if isclose(value, nearest, abs_tol=1e-9) else None


def _text(answer, what: str, want: str = "a number") -> Wrong | None:
    """`Wrong` for text or bytes given where numbers are wanted, else None."""
    if isinstance(answer, str):
        return Wrong(
            f"{what} is the text {answer!r}, not {want}: write it without quotes (a number, "
            "or an expression that computes it)."
        )
    if isinstance(answer, (bytes, bytearray)):
        return Wrong(f"{what} is bytes ({bytes(answer)!r}), not {want}.")
    return None


def as_number(answer, what: str = "your answer") -> float:
    """`answer` as a finite float, or `Wrong` saying why it is not one number.

    Accepts Python and numpy numbers and one-element numpy arrays or tensors; refuses text,
    bytes, True/False, None, lists and anything else, each with its own explanation.
    """
    text = _text(answer, what)
    if text:
        raise text
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{what} is {answer}, a truth value, not a number.")
    if answer is None:
        raise Wrong(
            f"{what} is None: the cell gave it no value (print() returns None); assign the "
            "number itself."
        )
    if isinstance(answer, (list, tuple, set, dict)):
        raise Wrong(
            f"{what} is a {type(answer).__name__} of {plural(len(answer), 'value')}; the "
            "question asks for one number."
        )
    if callable(answer) and not hasattr(answer, "__array__"):
        raise Wrong(f"{what} is a function; give the number it computes.")
    if isinstance(answer, numbers.Real):
        value = float(answer)
    else:
        try:
            array = np.asarray(answer)
        except (TypeError, ValueError):
            raise Wrong(f"{what} is {answer!r}, which is not a number.") from None
        if array.dtype.kind == "b":
            if array.size == 1:
                raise Wrong(f"{what} is {bool(array.reshape(()))}, a truth value, not a number.")
            raise Wrong(
                f"{what} is an array of {array.size:,} True/False values, one per item; "
                "count the True values with .sum()."
            )
        if array.dtype.kind in "US":
            raise Wrong(f"{what} holds text, not a number: give a number, without quotes.")
        if array.dtype.kind not in "iuf":
            raise Wrong(f"{what} is {answer!r}, which is not a number.")
        if array.size != 1:
            raise Wrong(
                f"{what} has shape {array.shape}, {array.size:,} values, but the question "
                "asks for one number."
            )
        value = float(array.reshape(()))
    if not math.isfinite(value):
        raise Wrong(f"{what} is {value}, not a finite number.")
    return value


def as_whole_number(answer, what: str = "your answer", why: str = "") -> int:
    """`answer` as an int when it is a whole number up to float rounding, else `Wrong`
    (`why` says why this answer must be whole, e.g. "it counts images")."""
    value = as_number(answer, what)
    whole = whole_number(value)
    if whole is None:
        raise Wrong(f"{what} is {value:,.12g}, not a whole number" + (f": {why}." if why else "."))
    return whole


def _items(answer, what: str, example: str) -> list:
    text = _text(answer, what, f"a tuple of numbers such as {example}")
    if text:
        raise text
    if answer is None or isinstance(answer, (numbers.Number, bool, np.bool_, dict, set)):
        raise Wrong(f"{what} is {answer!r}; give a tuple of numbers, e.g. {example}.")
    if np.ndim(answer) == 0 and not isinstance(answer, (list, tuple)):
        raise Wrong(f"{what} is one value ({answer!r}); give a tuple of numbers, e.g. {example}.")
    try:
        return list(answer)
    except TypeError:
        raise Wrong(f"{what} is a {type(answer).__name__}; give a tuple, e.g. {example}.") from None


def as_numbers(answer, what: str = "your answer", example: str = "(1.5, 2.0)") -> tuple:
    """`answer` as a tuple of finite floats (a tuple, list or 1-D array), else `Wrong`."""
    items = _items(answer, what, example)
    return tuple(as_number(item, f"an item of {what}") for item in items)


def as_whole_numbers(
    answer, what: str = "your answer", example: str = "(2, 3)", why: str = ""
) -> tuple:
    """`answer` as a tuple of ints: each item a whole number (13.9 is not 13), else `Wrong`
    (`why` says why they must be whole, e.g. "a shape counts pixels")."""
    whole = []
    for value in as_numbers(answer, what, example):
        number = whole_number(value)
        if number is None:
            raise Wrong(
                f"{what} holds {value:,.12g}, which is not a whole number"
                + (f": {why}." if why else ".")
            )
        whole.append(number)
    return tuple(whole)


def as_array(answer, what: str = "your answer", example: str = "np.array([[1, 0], [0, 1]])"):
    """`answer` as a numpy array of finite numbers (not text, not True/False), else `Wrong`."""
    text = _text(answer, what, f"an array of numbers such as {example}")
    if text:
        raise text
    if answer is None or callable(answer):
        raise Wrong(f"{what} is {answer!r}; give an array of numbers, e.g. {example}.")
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):
        raise Wrong(
            f"{what} is not a grid of numbers (are its rows of different lengths?); e.g. {example}."
        ) from None
    kind = array.dtype.kind
    if kind == "b":
        raise Wrong(f"{what} holds True/False values; give numbers (e.g. .astype(int)).")
    if kind in "US":
        raise Wrong(
            f"{what} holds text such as {str(array.flat[0])!r}; give numbers, without quotes."
        )
    if kind not in "iuf":
        raise Wrong(f"{what} is not an array of numbers (dtype {array.dtype}); e.g. {example}.")
    if array.size and not np.isfinite(array).all():
        raise Wrong(f"{what} holds NaN or infinite values; use ordinary numbers.")
    return array


def as_choice(answer, choices: dict[str, str], what: str = "your answer") -> str:
    """`answer` as one of the keys of `choices` (case and spaces ignored), or `Wrong`."""
    options = ", ".join(repr(key) for key in choices)
    if not isinstance(answer, str):
        raise Wrong(f"{what} is {answer!r}; answer with one of the words {options}.")
    key = answer.strip().lower()
    if key not in choices:
        raise Wrong(f"{what} is {answer!r}; choose one of {options}.")
    return key


# ---- reading what the checker is given -----------------------------------------------------


def given(keyword: str, check: Callable, *args, **kwargs):
    """`check(*args, **kwargs)` (one of `mnist_cnn.checks`) for what was passed as
    `keyword=`, its error turned into `Unchecked`: a bad keyword is the call's fault, not
    the answer's."""
    try:
        return check(*args, **kwargs)
    except (TypeError, ValueError, IndexError) as error:
        raise Unchecked(f"{keyword}= cannot be used: {error}") from None


def given_number(value, keyword: str, *, whole: bool = False, minimum: float | None = None):
    """A number passed by keyword (e.g. `batch_size=BATCH_SIZE`), or `Unchecked`."""
    try:
        number = as_whole_number(value, keyword) if whole else as_number(value, keyword)
    except Wrong as reason:
        raise Unchecked(f"{keyword}= cannot be used: {reason}") from None
    if minimum is not None and number < minimum:
        raise Unchecked(f"{keyword}= is {number:g}; it must be at least {minimum:g}.")
    return number


def given_history(history, keyword: str = "history", needs: tuple[str, ...] = ("val_loss",)):
    """The per-epoch values of a training run, from the History `train()` or `model.fit`
    returned (or its `.history` dict): `{"loss": [...], "val_loss": [...], ...}` as floats."""
    values = getattr(history, "history", history)
    if not isinstance(values, dict):
        raise Unchecked(
            f"{keyword}= is a {type(history).__name__}; pass the History your training run "
            f"returned (history = mnist_cnn.train(...) or model.fit(...))."
        )
    lacking = [name for name in needs if name not in values]
    if lacking:
        has = ", ".join(repr(name) for name in values) or "nothing"
        hint = (
            " Train with validation (train() holds out part of the images by default; "
            "model.fit needs validation_data= or validation_split=)."
            if any(name.startswith("val_") for name in lacking)
            else ""
        )
        raise Unchecked(
            f"{keyword}= has no {', '.join(repr(name) for name in lacking)} (it has {has}).{hint}"
        )
    try:
        curves = {
            name: [float(v) for v in np.asarray(vs, dtype=float).ravel()]
            for name, vs in values.items()
        }
    except (TypeError, ValueError):
        raise Unchecked(f"{keyword}= holds values that are not numbers.") from None
    lengths = {len(curves[name]) for name in needs}
    if lengths == {0}:
        raise Unchecked(f"{keyword}= holds no epochs: the run stopped before its first one ended.")
    return curves


def given_model(model, keyword: str = "model"):
    """A Keras model that reads (28, 28) digits into 10 probabilities, or `Unchecked`."""
    from ..checks import check_model

    given(keyword, check_model, model, keyword)
    return model


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
