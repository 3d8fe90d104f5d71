"""Domain errors. The store and services raise them; the API renders each as problem+json."""

from __future__ import annotations

from typing import Any


class CatalogError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotFound(CatalogError):
    status = 404
    title = "Not found"


class AlreadyExists(CatalogError):
    status = 409
    title = "Already exists"


class HasDependants(CatalogError):
    status = 409
    title = "Others depend on this"


class InvalidReference(CatalogError):
    """The request names a node that does not exist, or one of the wrong type."""

    status = 422
    title = "Unknown reference"


class InvalidInput(CatalogError):
    status = 422
    title = "Invalid input"


class Unauthorized(CatalogError):
    status = 401
    title = "Not signed in"


class Forbidden(CatalogError):
    status = 403
    title = "Forbidden"


class PreconditionFailed(CatalogError):
    status = 412
    title = "Precondition failed"


class StoreUnavailable(CatalogError):
    status = 503
    title = "Store unavailable"


class ConfigurationError(CatalogError):
    """The catalog's own configuration (such as sources.yaml) is wrong: the operator must fix it."""

    status = 503
    title = "Configuration error"


class AlreadyRunning(CatalogError):
    """Work that must happen once across API instances (a harvest) is being done already."""

    status = 409
    title = "Already running"


class Collision(CatalogError):
    """The database refused a write that would break a uniqueness rule: two writers raced past
    the store's own checks, or a source names one id for two things."""

    status = 409
    title = "Conflict"


class QueryTimedOut(CatalogError):
    status = 503
    title = "Query took too long"
