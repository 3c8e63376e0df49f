"""The errors a classroom user can cause, each with a message written for them."""

from __future__ import annotations

from cnnviz.errors import InputError


class ClassroomError(InputError):
    """A wrong code, a taken name, a student's key where the teacher's is needed, a deleted class, ...

    A subclass of :class:`~cnnviz.errors.InputError`, so a page shows its message as it is.
    """


class TooManyAttempts(ClassroomError):
    """Too many joins from one session, or on one code, in a short time; ``wait_seconds`` says how long."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(f"Too many attempts, wait {wait_seconds} s")


class ClassroomUnavailable(ClassroomError):
    """The class's database cannot be reached, or stayed locked too long (the message hides its URL)."""

    def __init__(self) -> None:
        super().__init__("The class's database cannot be reached right now; try again in a moment")
