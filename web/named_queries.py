"""Named queries over HTTP: the list at /queries and each at /queries/<name>, parameters bound as values."""
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from .answers import run_query
from .errors import error_response

bp = Blueprint("named_queries", __name__)


def describe_queries() -> list[dict]:
    """The named queries with their parameters, as plain data."""
    return [{
        "name": q.name, "summary": q.summary, "description": q.description, "text": q.text,
        "url": url_for("named_queries.named_query", name=q.name, _external=True),
        "parameters": [{"name": p.name, "type": p.type, "description": p.description, "required": p.required,
                        "example": p.example} for p in q.parameters],
    } for q in current_app.extensions["twinning.queries"].values()]


def list_queries() -> Response:
    """The named queries with their parameters, as JSON."""
    return jsonify(describe_queries())


def named_query(name: str) -> Response:
    """Run a named query with its parameters bound as values, in any result format."""
    query = current_app.extensions["twinning.queries"].get(name)
    if query is None:
        return error_response(404, f"there is no named query {name!r}; see /queries")
    values = {key: request.values.get(key) for key in request.values}
    return run_query(query.text, substitutions=query.bind(values))


def named(name: str):
    return current_app.extensions["twinning.queries"][name]


bp.add_url_rule("/queries", view_func=list_queries)
bp.add_url_rule("/queries/<name>", view_func=named_query, methods=["GET", "POST"])
