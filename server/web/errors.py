"""Error answers: every error is JSON ``{"detail": reason}`` with the status of DESIGN §4
(pydantic's error list for a request that does not match the schema), never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from accellium.server.api_models import ErrorBody
from accellium.server.web.work import ClientGone

__all__ = ["ERROR_RESPONSES", "install_error_handlers"]

log = logging.getLogger("accellium.server")


def _err(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: the documented error statuses of every endpoint under /v1 (OpenAPI)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _err("missing or wrong bearer token"),
    403: _err("cross-site request from an Origin that is not allowed"),
    404: _err("unknown adapter"),
    413: _err("request body over the size limit (1 MiB by default)"),
    421: _err("Host header is not a name of this server (DNS rebinding)"),
    422: _err("bad input (reason in `detail`)"),
    503: _err("engine not loaded (or still being built; see Retry-After)"),
    504: _err("engine timed out"),
}


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errs = [{k: v for k, v in e.items() if k in ("type", "loc", "msg")} for e in exc.errors()]
    return JSONResponse({"detail": errs}, status_code=422)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:  # FastAPI's "error parsing the body": bad input → 422
        return JSONResponse({"detail": f"request body is not valid JSON: {exc.detail}"},
                            status_code=422)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _gone(request: Request, exc: ClientGone) -> JSONResponse:
    return JSONResponse({"detail": "client disconnected"}, status_code=499)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s", request.url.path)
    return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(ClientGone, _gone)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)
