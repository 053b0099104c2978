"""Typed exceptions raised by the library; only the CLI and the app turn them into messages."""

from __future__ import annotations


class KBError(Exception):
    """Base class for every error the kb package raises on purpose."""


class ReadError(KBError):
    """A corpus file cannot be read: unsupported, empty, binary, corrupt, encrypted or too large."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class CatalogError(KBError):
    """The catalog file is malformed or holds a value that is not allowed."""


class IndexMissingError(KBError):
    """No built index where one was expected."""


class IndexCorruptError(KBError):
    """An index file is missing, truncated or does not match its checksum."""


class BuildError(KBError):
    """A build could not complete; the previous index is left in place."""


class ModelUnavailableError(KBError):
    """The configured embedding model cannot be loaded."""


class MissingDependencyError(KBError):
    """An optional dependency is not installed; the message says what to install."""


class QueryError(KBError):
    """A query or filter value is not usable (e.g. an unknown level)."""


class BackendError(KBError):
    """The retrieval backend (e.g. a Milvus server) is misconfigured, unreachable or refused a write."""
