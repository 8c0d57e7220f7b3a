"""Errors that cross module boundaries."""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file is unusable; raised before anything is written.

    `code` is stable (e.g. `EMPTY_FILE`, `BINARY_FILE`, `TOO_MANY_ROWS`); `message` says what
    is wrong and what to do about it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ConfigInvalid(Exception):
    """A configuration document (ICP rules, scoring model, mapping) is not acceptable."""


class StageFailed(Exception):
    """A stage could not finish; the job is marked failed at that stage and is resumable."""
