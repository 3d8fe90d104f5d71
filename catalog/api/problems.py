"""Every error leaves the API as application/problem+json (RFC 9457), never as a stack trace.

Each problem carries the request's id. A server-side failure (5xx) tells the client only what
kind of failure it was; what the driver or the code said goes to the log under that id, since it
names hosts, ports and files."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from catalog.errors import CatalogError, ConfigurationError
from catalog.context import request_id

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


GENERIC_DETAIL = {
    500: "The request could not be completed.",
    503: "The catalog's store cannot be reached right now; try again shortly.",
}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "request_id": request_id(), **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _server_failure(status: int, title: str, error: BaseException) -> JSONResponse:
    log.error("request %s failed with %s: %s", request_id(), status, error,
              exc_info=status == 500 and not isinstance(error, CatalogError))
    return problem(status, title, GENERIC_DETAIL.get(status, GENERIC_DETAIL[500]))


def response_for(error: Exception) -> JSONResponse:
    """The problem for an error raised outside a route (in sign-in), as the handlers render it."""
    if isinstance(error, CatalogError):
        return _catalog_problem(error)
    return _server_failure(500, "Internal error", error)


def _catalog_problem(error: CatalogError) -> JSONResponse:
    # A configuration error is the operator's to fix and names what is wrong; any other server
    # failure shows the client only a generic message and the request id.
    if error.status >= 500 and not isinstance(error, ConfigurationError):
        response = _server_failure(error.status, error.title, error)
    else:
        response = problem(error.status, error.title, error.detail, **error.extra)
    response.headers.update(error.headers)
    return response


def _field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]


def install(app: FastAPI) -> None:
    @app.exception_handler(CatalogError)
    async def catalog_error(_: Request, error: CatalogError) -> JSONResponse:
        return _catalog_problem(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = _field_errors(error)
        fields = ", ".join(".".join(str(part) for part in e["loc"]) for e in errors)
        return problem(422, "Invalid input", f"Check these fields: {fields}.", errors=errors)

    @app.exception_handler(ValidationError)
    async def invalid_data(_: Request, error: ValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
        return problem(422, "Invalid input", f"{error.error_count()} field(s) are not valid.", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        response = problem(error.status_code, _title(error.status_code), str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        return _server_failure(500, "Internal error", error)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
