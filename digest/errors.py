"""The library's exceptions; each carries the sysexits-style code the CLI exits with."""
from __future__ import annotations

# sysexits.h
EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_CANTCREAT = 73
EX_TEMPFAIL = 75
EX_CONFIG = 78


class DigestError(Exception):
    """A failure the user can act on: the message is one line, the code is the exit status."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UsageError(DigestError):
    exit_code = EX_USAGE


class InputDataError(DigestError):
    exit_code = EX_DATAERR


class NoInputError(DigestError):
    exit_code = EX_NOINPUT


class OutputError(DigestError):
    exit_code = EX_CANTCREAT


class TemporaryFailure(DigestError):
    exit_code = EX_TEMPFAIL


class ConfigError(DigestError):
    exit_code = EX_CONFIG


class StateError(InputDataError):
    """The state database cannot be used (damaged, not a digest state, or too new): exit 65."""
