"""THE one place where errors become HTTP responses.

Domain errors map by ``kind``; the body is always ``{"code", "message", ...}`` so clients can
switch on ``code`` and show ``message``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpline.domain.errors import DomainError

STATUS_BY_KIND: dict[str, int] = {
    "not_found": 404,
    "conflict": 409,
    "invalid": 422,
    "forbidden": 403,
    "not_authenticated": 401,
}
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
}
BEARER = {"WWW-Authenticate": "Bearer"}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), **BEARER}
    return JSONResponse(body, status_code=status, headers=headers)


async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = STATUS_BY_KIND.get(exc.kind, 400)
    return _json(status, {"code": exc.code, "message": exc.message, "fields": exc.fields})


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(part) for part in err.get("loc", ())), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
    return _json(422, {"code": "invalid_input", "message": f"invalid input: {summary}", "errors": errors})


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, f"http_{exc.status_code}")
    body = {"code": code, "message": str(exc.detail), "fields": {}}
    return _json(exc.status_code, body, dict(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
