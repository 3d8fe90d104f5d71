"""The request a change is made for, held for the length of the call that serves it, so that the
history records which request made each change without every call passing it along."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


@contextmanager
def serving(request_id: str) -> Iterator[None]:
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


def request_id() -> str | None:
    return _REQUEST_ID.get()
