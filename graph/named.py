"""Named queries: the `queries/*.rq` files, their `#+` YAML headers and the binding of their typed parameters.

The file stem is the public name. Parameters are bound as RDF terms (pyoxigraph substitutions), never pasted into
the query text. A bad header is an error at startup, not at request time. A parameter must be a projected variable
that the WHERE clause binds (a triple pattern or BIND): a substituted value is joined with the solutions, so a
variable used only inside a FILTER would not narrow them.
"""
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from nzc_twinning.namespaces import ID, entity_iri

from .errors import BadRequest
from .sparql_lexer import scan

XSD = "http://www.w3.org/2001/XMLSchema#"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Types whose values may be given as a stable id instead of a full IRI: the id's IRI segment.
ID_TYPES = {"city": "city", "pilot": "pilot", "twin": "twin", "cohort": "cohort"}
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
PARAM_TYPES = {"iri", "string", "integer", "decimal", "date", "gYear", "boolean", "country", *ID_TYPES}


class NamedQueryError(Exception):
    """A .rq file whose header is malformed."""


class ParameterError(BadRequest):
    """A parameter value that does not fit its declared type; names the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str
    required: bool = False
    example: str | None = None

    def bind(self, value: str) -> dict:
        """The value as an RDF term in SPARQL JSON results form. Raises ParameterError."""
        if self.type in ID_TYPES:
            if SLUG.match(value):
                return {"type": "uri", "value": str(entity_iri(ID_TYPES[self.type], value))}
            if not value.startswith(f"{ID}{ID_TYPES[self.type]}/"):
                raise ParameterError(self.name, f"{value!r} is neither a {self.type} id nor a {self.type} IRI")
            return {"type": "uri", "value": value}
        if self.type == "country":
            if re.fullmatch(r"[A-Z]{3}", value):
                return {"type": "uri", "value": COUNTRY + value}
            if not re.fullmatch(re.escape(COUNTRY) + "[A-Z]{3}", value):
                raise ParameterError(self.name, f"{value!r} is neither a three-letter country code nor its IRI")
            return {"type": "uri", "value": value}
        if self.type == "iri":
            if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*", value):
                raise ParameterError(self.name, f"{value!r} is not an absolute IRI")
            return {"type": "uri", "value": value}
        if self.type == "string":
            return {"type": "literal", "value": value}
        checks = {
            "integer": lambda v: re.fullmatch(r"[+-]?[0-9]+", v),
            "decimal": lambda v: _is_decimal(v),
            "date": lambda v: _is_date(v),
            "gYear": lambda v: re.fullmatch(r"[0-9]{4}", v),
            "boolean": lambda v: v in ("true", "false"),
        }
        if not checks[self.type](value):
            raise ParameterError(self.name, f"{value!r} is not a valid {self.type}")
        return {"type": "literal", "value": value, "datatype": XSD + self.type}


def _is_decimal(value: str) -> bool:
    try:
        return Decimal(value).is_finite() and re.fullmatch(r"[+-]?[0-9]*\.?[0-9]+", value) is not None
    except InvalidOperation:
        return False


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is not None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def bind(self, values: dict[str, str]) -> dict[str, dict]:
        """Substitutions for the given parameter values; unknown names are ignored. Raises ParameterError."""
        bound = {}
        for param in self.parameters:
            value = values.get(param.name)
            if value is None or value == "":
                if param.required:
                    raise ParameterError(param.name, "is required")
                continue
            bound[param.name] = param.bind(value)
        return bound


def parse_named_query(path: Path) -> NamedQuery:
    """Read one .rq file and its header. Raises NamedQueryError naming the file."""
    text = Path(path).read_text(encoding="utf-8")
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as error:
        raise NamedQueryError(f"{path}: the #+ header is not YAML: {error}") from None
    if not isinstance(meta, dict) or not meta.get("summary"):
        raise NamedQueryError(f"{path}: the #+ header needs a summary")
    params, variables = [], scan(text).variables
    for item in meta.get("params") or []:
        if not isinstance(item, dict) or not {"name", "type", "description"} <= item.keys():
            raise NamedQueryError(f"{path}: each parameter needs name, type and description")
        if item["type"] not in PARAM_TYPES:
            raise NamedQueryError(f"{path}: parameter {item['name']!r} has unknown type {item['type']!r}")
        if item["name"] not in variables:  # the variable itself: ?pilot is not ?pilotLabel
            raise NamedQueryError(f"{path}: parameter {item['name']!r} is not a variable of the query")
        params.append(Parameter(item["name"], item["type"], item["description"], bool(item.get("required")),
                                None if item.get("example") is None else str(item["example"])))
    return NamedQuery(Path(path).stem, meta["summary"], meta.get("description", ""), text, tuple(params))


def load_named_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every served query of a folder; `*_violation.rq` checks are for the build and are not served."""
    queries = {}
    for path in sorted(Path(folder).glob("*.rq")):
        if not path.stem.endswith("_violation"):
            queries[path.stem] = parse_named_query(path)
    return queries
