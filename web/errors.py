"""The one JSON error shape, `{"error": message, "status": code}`, and the handlers that map every cause to it."""
import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from graph.errors import BadRequest, TwinningError

log = logging.getLogger(__name__)


def error_response(status: int, message: str, headers: dict | None = None, **details) -> Response:
    """The one error shape; `details` adds optional members (a syntax error's `line` and `column`)."""
    response = jsonify(error=message, status=status, **details)
    response.status_code = status
    if status == 406:  # a cache must not give this answer to a client that accepts other types
        response.headers["Vary"] = "Accept"
    response.headers.update(headers or {})
    return response


def http_error(error: HTTPException) -> Response:
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    return error_response(error.code or 500, error.description or error.name, headers)


def twinning_error(error: TwinningError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    # A syntax error says where, so an editor can mark the spot (issue 14).
    position = error.position if isinstance(error, BadRequest) else None
    details = {"line": position[0], "column": position[1]} if position else {}
    return error_response(error.status, error.message, headers, **details)


def internal_error(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal server error; the incident was logged")


def register(app: Flask) -> None:
    """Every error a request can meet answers in the one shape: HTTP errors, query errors, bad parameters, refused
    outgoing requests, and anything unexpected (500, logged)."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(TwinningError, twinning_error)
    app.register_error_handler(Exception, internal_error)
