"""Errors the local runner reports to a person; the CLI turns each into a message and exit code."""

from __future__ import annotations


class LocalRunnerError(Exception):
    """Something the person running the platform can fix; the message says how."""

    exit_code = 1


class PortBusyError(LocalRunnerError):
    exit_code = 2


class MissingBinaryError(LocalRunnerError):
    pass


class AlreadyRunningError(LocalRunnerError):
    exit_code = 2


class StartupError(LocalRunnerError):
    """A component did not come up; the message names it and quotes the tail of its log."""
