"""The SHACL shapes checked as SPARQL inside Oxigraph: the constraints of each property shape of ontology/shapes.ttl
become one query that selects the focus nodes violating any of them, run over the union graph (the view a default
query sees).

Only the SHACL features the shapes use are translated (class targets, predicate, sequence and inverse paths, and the
components in `value_check`); a shapes file with any other component, target or path form is refused
(UnsupportedShape) rather than checked less strictly. sh:datatype also checks that a literal is well-formed where
Oxigraph can cast to the datatype (CASTS). tests/test_shapes.py compares focus nodes and components with pyshacl's
on the project's shapes and on data broken on purpose.
"""
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from nzc_twinning.namespaces import UNION_GRAPH

# Datatypes whose lexical forms Oxigraph checks with a cast: a literal of such a datatype that does not cast is
# ill-formed, and SHACL's sh:datatype rejects it.
CASTS = {XSD[name] for name in ("decimal", "integer", "date", "gYear", "gYearMonth", "duration", "dateTime",
                                "boolean", "double", "float")}
PREFIXES = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" \
           "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
NODE_KINDS = {SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
              SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
              SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))"}
RANGES = {SH.minInclusive: ("MinInclusiveConstraintComponent", ">="),
          SH.maxInclusive: ("MaxInclusiveConstraintComponent", "<="),
          SH.minExclusive: ("MinExclusiveConstraintComponent", ">"),
          SH.maxExclusive: ("MaxExclusiveConstraintComponent", "<")}
# Keys of a property shape that describe it rather than constrain it.
DESCRIPTIVE = {SH.path, SH.message, SH.name, SH.description, RDF.type, RDFS.comment, RDFS.label}


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature this check does not translate."""


@dataclass(frozen=True)
class Check:
    """The constraints of one property shape (or a node shape's own) as one query: a row per focus node that
    violates any of them, with a boolean ?c<i> per constraint telling which."""

    shape: str
    path: str  # the path as written in SPARQL ("" for a node shape's own constraints)
    message: str
    components: tuple[str, ...]  # the SHACL constraint component of each ?c<i>
    query: str


def term(node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShape(f"a blank node where an IRI or literal is expected: {node}")


def sparql_path(shapes: Graph, path) -> str:
    """A SHACL path (a predicate, a sequence list, or an inverse path) as a SPARQL property path."""
    if isinstance(path, URIRef):
        return term(path)
    if (path, RDF.first, None) in shapes:
        return "/".join(sparql_path(shapes, step) for step in Collection(shapes, path))
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None and len(set(shapes.predicate_objects(path))) == 1:
        return f"^({sparql_path(shapes, inverse)})"
    raise UnsupportedShape(f"a path form other than a predicate, a sequence or an inverse path: {path}")


def conforms_to_value(shapes: Graph, shape, v: str) -> str:
    """A SPARQL expression: whether the value {v} conforms to a value shape made of datatype or languageIn."""
    keys = set(shapes.predicates(shape)) - {RDF.type}
    if keys == {SH.datatype}:
        return has_datatype(shapes.value(shape, SH.datatype), v)
    if keys == {SH.languageIn}:
        tags = [str(tag) for tag in Collection(shapes, shapes.value(shape, SH.languageIn))]
        return f"(isLiteral({v}) && (" + " || ".join(f'langMatches(lang({v}), "{tag}")' for tag in tags) + "))"
    raise UnsupportedShape(f"a value shape other than one sh:datatype or one sh:languageIn: {sorted(keys)}")


def has_datatype(datatype: URIRef, v: str) -> str:
    test = f"(isLiteral({v}) && datatype({v}) = {term(datatype)}"
    if datatype in CASTS:  # and well-formed
        test += f" && COALESCE(isLiteral({term(datatype)}(str({v}))), false)"
    return test + ")"


def focus(targets: list[URIRef]) -> str:
    """The focus nodes of the target classes: their instances, those of their subclasses included."""
    return " UNION ".join(f"{{ ?this rdf:type/rdfs:subClassOf* {term(cls)} }}" for cls in targets)


def value_check(shapes: Graph, shape_name: str, where: str, path: str, constraints: dict,
                message: str) -> Check | None:
    """The check of one property shape (or of a node shape's own value, path ""); None without constraints.

    Each constraint is an aggregate over the focus node's values: counts for the cardinalities, a sum of the values
    failing a test for the value constraints. An aggregate that cannot be evaluated counts as a violation."""
    v = "?value"
    found = []  # (component, aggregate that is true on a violation)

    def failing(test: str) -> str:
        return f"(SUM(IF(BOUND({v}) && !({test}), 1, 0)) > 0)"

    for key, value in constraints.items():
        if key == SH.minCount and path:
            found.append(("MinCountConstraintComponent", f"(COUNT(DISTINCT {v}) < {int(value)})"))
        elif key == SH.maxCount and path:
            found.append(("MaxCountConstraintComponent", f"(COUNT(DISTINCT {v}) > {int(value)})"))
        elif key == SH.qualifiedMinCount and path:
            qualified = conforms_to_value(shapes, constraints[SH.qualifiedValueShape], v)
            found.append(("QualifiedMinCountConstraintComponent",
                          f"(COUNT(DISTINCT IF({qualified}, {v}, ?none)) < {int(value)})"))
        elif key == SH.qualifiedValueShape:
            if SH.qualifiedMinCount not in constraints or SH.qualifiedMaxCount in constraints:
                raise UnsupportedShape("sh:qualifiedValueShape is checked with sh:qualifiedMinCount only")
        elif key == SH.hasValue and path:
            found.append(("HasValueConstraintComponent", f"(SUM(IF(BOUND({v}) && sameTerm({v}, {term(value)}), 1, 0)) = 0)"))
        elif key == SH.datatype:
            found.append(("DatatypeConstraintComponent", failing(has_datatype(value, v))))
        elif key == SH.nodeKind:
            if value not in NODE_KINDS:
                raise UnsupportedShape(f"sh:nodeKind {value}")
            found.append(("NodeKindConstraintComponent", failing(NODE_KINDS[value].format(v=v))))
        elif key == SH.pattern:
            if SH.flags in constraints:
                raise UnsupportedShape("sh:pattern with sh:flags")
            test = f"(!isBlank({v}) && regex(str({v}), {term(Literal(str(value)))}))"
            found.append(("PatternConstraintComponent", failing(test)))
        elif key in RANGES:
            component, operator = RANGES[key]
            found.append((component, failing(f"COALESCE({v} {operator} {term(value)}, false)")))
        elif key == SH["class"]:
            test = f"EXISTS {{ {v} rdf:type/rdfs:subClassOf* {term(value)} }}"
            found.append(("ClassConstraintComponent", failing(test)))
        elif key == SH["or"]:
            test = "(" + " || ".join(conforms_to_value(shapes, member, v) for member in Collection(shapes, value)) + ")"
            found.append(("OrConstraintComponent", failing(test)))
        else:
            raise UnsupportedShape(f"{key} in shape {shape_name}")
    if not found:
        return None
    values = f"OPTIONAL {{ ?this {path} {v} }}" if path else f"BIND(?this AS {v})"
    flags = [f"?c{i}" for i in range(len(found))]
    query = (f"SELECT ?this {' '.join(flags)} WHERE {{ "
             f"{{ SELECT ?this {' '.join(f'({aggregate} AS {flag})' for (_, aggregate), flag in zip(found, flags))} "
             f"WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {where} }} }} {values} }} GROUP BY ?this }} "
             f"FILTER({' || '.join(f'COALESCE({flag}, true)' for flag in flags)}) }}")
    return Check(shape_name, path, message, tuple(component for component, _ in found), query)


def checks(shapes_file: Path) -> list[Check]:
    """Every constraint of a shapes file as a query. Raises UnsupportedShape."""
    shapes = Graph().parse(shapes_file, format="turtle")
    found = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape))):
        name = str(shape)
        targets = sorted(shapes.objects(shape, SH.targetClass))
        keys = set(shapes.predicates(shape)) - DESCRIPTIVE - {SH.targetClass, SH.property}
        for other in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.deactivated,
                      SH.closed, SH.severity):
            if (shape, other, None) in shapes:
                raise UnsupportedShape(f"{other} in shape {name}")
        if not targets:
            raise UnsupportedShape(f"shape {name} has no sh:targetClass")
        where = focus(targets)
        own = {}
        for key in keys:
            values = list(shapes.objects(shape, key))
            if len(values) > 1:
                raise UnsupportedShape(f"{key} twice in node shape {name}")
            own[key] = values[0] if values else None
        found.append(value_check(shapes, name, where, "", own, str(shapes.value(shape, SH.message) or "")))
        for prop in shapes.objects(shape, SH.property):
            if not isinstance(prop, BNode | URIRef):
                raise UnsupportedShape(f"sh:property {prop}")
            constraints = {}
            for key, value in shapes.predicate_objects(prop):
                if key in DESCRIPTIVE:
                    continue
                if key in constraints:
                    raise UnsupportedShape(f"{key} twice in one property shape of {name}")
                constraints[key] = value
            path = sparql_path(shapes, shapes.value(prop, SH.path))
            found.append(value_check(shapes, name, where, path, constraints,
                                     str(shapes.value(prop, SH.message) or "")))
    return [check for check in found if check is not None]


@dataclass(frozen=True)
class Violation:
    shape: str
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: str
    component: str
    message: str

    def __str__(self) -> str:
        return (f"Constraint Violation in {self.component} ({self.shape}) on {self.focus}"
                f"{' path ' + self.path if self.path else ''}{': ' + self.message if self.message else ''}")


def violations(store: ox.Store, shapes_file: Path, limit: int = 100) -> list[Violation]:
    """The violations of the shapes in `store`, read from its union graph (graph/export.py derives it); at most
    `limit` focus nodes per property shape. Raises UnsupportedShape."""
    union = ox.NamedNode(UNION_GRAPH)
    found = []
    for check in checks(shapes_file):
        for row in store.query(PREFIXES + check.query + f" LIMIT {limit}", default_graph=union):
            found += [Violation(check.shape, row["this"], check.path, component, check.message)
                      for i, component in enumerate(check.components)
                      if row[f"c{i}"] is None or row[f"c{i}"].value == "true"]
    return found


def report(found: list[Violation]) -> str:
    """A report in the manner of pyshacl's text report."""
    if not found:
        return "Validation Report\nConforms: True\n"
    return f"Validation Report\nConforms: False\nResults ({len(found)}):\n" + "\n".join(map(str, found)) + "\n"
