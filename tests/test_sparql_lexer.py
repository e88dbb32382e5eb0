"""The SPARQL lexer (graph/sparql_lexer.py) and the rewrites built on it, on queries and updates generated from
building blocks that hide braces and keywords in comments, strings and names. Every rewrite must still parse and,
on an in-memory pyoxigraph store with a few named graphs, answer as the original does with the same dataset."""
from dataclasses import dataclass

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.named import NamedQueryError, parse_named_query
from graph.protocol_dataset import with_protocol_dataset
from graph.remote import NO_GRAPH, bind_values, requested_dataset, with_dataset
from graph.sparql_lexer import UPDATE, edited, scan

EX = "http://ex/"
GRAPHS = [f"{EX}g1", f"{EX}g2", f"{EX}g3"]
PROLOGUE = f"PREFIX ex: <{EX}>\nPREFIX from: <{EX}from/>\n"  # a prefix spelled like a keyword
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that holds syntax only in appearance: a lexer that reads it as syntax puts clauses in the wrong place.
COMMENTS = ["# { FROM <http://ex/g1> WHERE } LIMIT 1 GRAPH ?hidden\n", "#}}}{ USING NAMED <x> VALUES ?hidden {\n",
            "# SELECT * WHERE { ?hidden ?p ?o } ORDER BY ?hidden LIMIT 0\n"]
STRINGS = ['"{ FROM <http://ex/g1> } WHERE LIMIT 3"', "'''LIMIT 1 }\n{ ?hidden GRAPH'''",
           '"""GRAPH ?hidden { SELECT # not a comment"""', "'USING <x> WHERE {'", '"x"@from', '"\\"} WHERE {"',
           "'say \"}\"'", '"WITH <g>"@en-GB']


@dataclass(frozen=True)
class Piece:
    """Generated text and what the lexer must find in it."""

    text: str
    variables: frozenset = frozenset()
    graph: bool = False

    def __add__(self, other: "Piece") -> "Piece":
        return Piece(f"{self.text} {other.text}", self.variables | other.variables, self.graph or other.graph)


def piece(text: str, *variables: str, graph: bool = False) -> Piece:
    return Piece(text, frozenset(variables), graph)


@st.composite
def element(draw, depth: int, bindable: bool) -> Piece:
    """One element of a group graph pattern that keeps ?s bound as the group's first triple bound it. A `bindable`
    one has no LIMIT in a subquery: pyoxigraph substitutes a bound variable inside subqueries too, where a VALUES
    block joined at the end would come after their LIMIT."""
    choices = ["optional", "exists", "filter", "comment", "values", "graph", "minus", "bind", "names"]
    if depth < 2:
        choices += ["subquery", "union", "group"]
    kind = draw(st.sampled_from(choices))
    if kind == "optional":
        return piece("OPTIONAL { ?s ex:q ?pilot }", "s", "pilot")
    if kind == "exists":
        negated = draw(st.booleans())
        return piece(f"FILTER {'NOT ' if negated else ''}EXISTS {{ ?s ?p2 ?o2 }}", "s", "p2", "o2")
    if kind == "filter":
        return piece(f"FILTER(STR(?o) != {draw(st.sampled_from(STRINGS))})", "o")
    if kind == "comment":
        return piece(draw(st.sampled_from(COMMENTS)))
    if kind == "values":
        return piece('VALUES ?pilotLabel { "1" ex:b UNDEF }', "pilotLabel")
    if kind == "graph":
        return piece("GRAPH ?g { ?s ?gp ?go }", "g", "s", "gp", "go", graph=True)
    if kind == "minus":
        return piece('MINUS { ?s ex:p "2" }', "s")
    if kind == "bind":
        return piece(f"{{ BIND({draw(st.sampled_from(STRINGS))} AS ?bound) }}", "bound")  # a group of its own
    if kind == "names":  # an escape in a local name, a dot inside one, a dot after one
        return piece(r"OPTIONAL { ?s ex:a\#b ?esc } OPTIONAL { ?s ex:b.c ?dot } OPTIONAL { ?s ex:q ex:b. }",
                     "s", "esc", "dot")
    inner = draw(group(depth + 1, bindable))
    if kind == "subquery":
        modifiers = "" if bindable else draw(st.sampled_from(["", "ORDER BY ?s LIMIT 2"]))
        return piece("{ SELECT ?s WHERE {") + inner + piece(f"}} {modifiers} }}")
    if kind == "union":
        return piece("{") + inner + piece("} UNION { ?s ex:q ?u }", "s", "u")
    return piece("{") + inner + piece("}")


@st.composite
def group(draw, depth: int = 0, bindable: bool = False) -> Piece:
    """The inside of a group graph pattern: a triple binding ?s ?p ?o, then elements."""
    found = piece("?s ?p ?o .", "s", "p", "o")
    for part in draw(st.lists(element(depth, bindable), max_size=3)):
        found = found + part
    return found


@dataclass(frozen=True)
class Query:
    text: str
    form: str
    variables: frozenset
    graph: bool
    limit: int | None
    clauses: tuple  # (named, IRI) of its own dataset clauses
    projects_s: bool  # ?s is in the answer, so it can be bound from outside


@st.composite
def query(draw, own_dataset: bool = False, bindable: bool = False) -> Query:
    pattern = draw(group(bindable=bindable))
    form = draw(st.sampled_from(["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]))
    clauses, text = (), ""
    if own_dataset:
        chosen = draw(st.lists(st.tuples(st.booleans(), st.sampled_from(GRAPHS)), min_size=1, max_size=3))
        clauses = tuple(chosen)
        for named, iri in chosen:
            name = draw(st.sampled_from([f"<{iri}>", "ex:" + iri.removeprefix(EX)]))
            space = draw(st.sampled_from([" ", " # FROM <x>\n "]))
            text += f" FROM{space}{'NAMED ' if named else ''}{name}"
    where = draw(st.sampled_from([" WHERE {", " {", " WHERE{", "{"]))
    limit, projects_s, head = None, form in ("SELECT", "DESCRIBE"), piece("")
    if form == "SELECT":
        head = draw(st.sampled_from([piece("SELECT *"), piece("select distinct ?s ?o", "s", "o"),
                                     piece("SELECT ?s (EXISTS { ?s ?p ?o } AS ?e)", "s", "p", "o", "e")]))
        # Limits past the size of any answer here: a smaller one without a total order could pick other rows.
        limit = draw(st.sampled_from([None, 500, 1000]))
        tail = piece(draw(st.sampled_from(["", "ORDER BY ?s", "ORDER BY DESC(?s) ?o"])), "s", "o")
        if limit is not None:
            tail = tail + piece(f"LIMIT {limit}{draw(st.sampled_from(['', ' OFFSET 0']))}")
        if draw(st.booleans()):
            tail = tail + piece("VALUES ?s { ex:a ex:b ex:c }", "s")
        body = head + piece(text + where) + pattern + piece("}") + tail
    elif form == "ASK":
        body = piece("ASK" + text + where) + pattern + piece("}")
    elif form == "CONSTRUCT":
        body = piece("CONSTRUCT { ?s ?p ?o . ?s ex:seen \"{ }\" }" + text + where, "s", "p", "o") + pattern + piece("}")
    elif draw(st.booleans()):
        body = piece("DESCRIBE ?s" + text + where, "s") + pattern + piece("}")
    else:
        projects_s, pattern = False, piece("")
        body = piece(f"DESCRIBE ex:a <{EX}b>{text}" + draw(st.sampled_from(["", " # {", " LIMIT 5"])))
        limit = 5 if body.text.endswith("LIMIT 5") else None
    comment = draw(st.sampled_from(["", COMMENTS[0]]))
    return Query(PROLOGUE + comment + body.text, form, body.variables, body.graph, limit, clauses, projects_s)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Three named graphs (one statement in two of them) and a default graph that no dataset below names."""
    store = ox.Store()
    data = {GRAPHS[0]: f'<{EX}a> <{EX}p> "1" .\n<{EX}a> <{EX}q> <{EX}b> .\n<{EX}a> <{EX}a#b> "esc" .\n',
            GRAPHS[1]: f'<{EX}b> <{EX}p> "2" .\n<{EX}a> <{EX}p> "1" .\n<{EX}b> <{EX}b.c> "dot" .\n',
            GRAPHS[2]: f'<{EX}c> <{EX}q> <{EX}a> .\n<{EX}b> <{EX}p> "{{ FROM }}" .\n'}
    for graph, triples in data.items():
        store.load(triples.encode(), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    store.add(ox.Quad(ox.NamedNode(f"{EX}stray"), ox.NamedNode(f"{EX}p"), ox.Literal("x")))
    return store


def answer(result, limit: int | None = None):
    """A comparable form of a query's answer: rows or triples as a sorted list (a multiset), or a boolean. An answer
    cut at its LIMIT is compared by size only: which rows make the cut is the engine's choice, without ORDER BY."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [variable.value for variable in result.variables]
        rows = sorted(tuple(str(row[name]) for name in names) for row in result)
        return (names, len(rows)) if limit is not None and len(rows) >= limit else (names, rows)
    triples = sorted(str(triple) for triple in result)
    return len(triples) if limit is not None and len(triples) >= limit else triples


def over(store: ox.Store, text: str, defaults: list[str], named: list[str], limit: int | None = None, **options):
    """The answer to a query over a dataset given as pyoxigraph options."""
    return answer(store.query(text, default_graph=[ox.NamedNode(g) for g in defaults],
                              named_graphs=[ox.NamedNode(g) for g in named], **options), limit)


datasets = st.tuples(st.lists(st.sampled_from(GRAPHS), min_size=1, max_size=3, unique=True),
                     st.lists(st.sampled_from(GRAPHS), max_size=3, unique=True))


@EXAMPLES
@given(query(), query(own_dataset=True))
def test_scan_finds_what_the_building_blocks_hold(plain, own):
    for generated in (plain, own):
        reading = scan(generated.text)
        assert reading.problem is None and reading.form == generated.form
        assert reading.variables == generated.variables  # ?hidden only ever occurs in comments and strings
        assert reading.has_graph == generated.graph and reading.limit == generated.limit
        assert dict(reading.prefixes) == {"ex": EX, "from": EX + "from/"}
        assert [(clause.named, clause.iri) for clause in reading.dataset] == list(generated.clauses)
        for clause in reading.dataset:
            assert generated.text[clause.start:clause.end].upper().startswith("FROM")


@EXAMPLES
@given(query(), datasets)
def test_dataset_clauses_added_answer_as_the_dataset_given_as_options(store, generated, dataset):
    defaults, named = dataset
    rewritten = with_dataset(generated.text, defaults, named)
    limit = generated.limit
    assert answer(store.query(rewritten), limit) == over(store, generated.text, defaults, named, limit), rewritten


@EXAMPLES
@given(query(own_dataset=True), datasets)
def test_dataset_clauses_replaced_answer_as_the_requested_dataset(store, generated, dataset):
    defaults, named = dataset
    rewritten = requested_dataset(generated.text, defaults, named)
    own = scan(generated.text).dataset
    without_own = edited(generated.text, [(clause.start, clause.end, "") for clause in own])
    limit = generated.limit
    assert answer(store.query(rewritten), limit) == over(store, without_own, defaults, named, limit), rewritten


@EXAMPLES
@given(query(own_dataset=True))
def test_own_dataset_clauses_kept_answer_as_the_original(store, generated):
    rewritten = requested_dataset(generated.text, [], [])  # the kind the query does not name is made empty
    kinds = {named for named, _ in generated.clauses}
    assert rewritten.count(NO_GRAPH) == 2 - len(kinds)
    limit = generated.limit
    assert answer(store.query(rewritten), limit) == answer(store.query(generated.text), limit), rewritten


@EXAMPLES
@given(query(bindable=True), st.sampled_from([f"{EX}a", f"{EX}b", f"{EX}c", f"{EX}nothing"]))
def test_values_binding_answers_as_substitution(store, generated, iri):
    if not generated.projects_s:
        return
    rewritten = bind_values(generated.text, {"s": {"type": "uri", "value": iri}})
    expected = over(store, generated.text, GRAPHS, GRAPHS, generated.limit,
                    substitutions={ox.Variable("s"): ox.NamedNode(iri)})
    assert over(store, rewritten, GRAPHS, GRAPHS, generated.limit) == expected, rewritten


# --- updates -----------------------------------------------------------------------------------------------------

OUT = f"{EX}out"


@st.composite
def update(draw) -> tuple[str, int]:
    """Operations separated by `;`: the number of them that take USING clauses (DELETE/INSERT ... WHERE)."""
    operations, modifies = [], 0
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete insert", "delete where", "insert data", "clear"]))
        pattern = draw(group()).text
        noise = draw(st.sampled_from(STRINGS))
        if kind == "insert":
            operations.append(f"INSERT {{ GRAPH <{OUT}> {{ ?s ex:p {noise} }} }} WHERE {{ {pattern} }}")
        elif kind == "delete insert":
            operations.append(f"DELETE {{ GRAPH <{OUT}> {{ ?s ex:p ?o }} }} INSERT {{ GRAPH <{OUT}> {{ ?s ex:q ?o }} }}"
                              f" WHERE {{ {pattern} }}")
        elif kind == "delete where":
            operations.append(f"DELETE WHERE {{ GRAPH <{OUT}> {{ ?s ex:p {noise} }} }}")
        elif kind == "insert data":
            operations.append(f"INSERT DATA {{ GRAPH <{OUT}> {{ ex:d ex:p {noise} }} }}")
        else:
            operations.append(f"CLEAR SILENT GRAPH <{OUT}>")
        modifies += kind in ("insert", "delete insert")
    separator = draw(st.sampled_from([" ;\n", ";", " ; " + COMMENTS[0]]))
    return PROLOGUE + separator.join(operations), modifies


def applied(store: ox.Store, text: str) -> list[str]:
    """The statements of a copy of the store after an update."""
    copy = ox.Store()
    copy.extend(store)
    copy.update(text)
    return sorted(str(quad) for quad in copy)


@EXAMPLES
@given(update(), datasets)
def test_using_clauses_go_before_each_modify_where_and_nowhere_else(store, generated, dataset):
    text, modifies = generated
    reading = scan(text)
    assert reading.form == UPDATE and not reading.own_dataset and len(reading.using_at) == modifies
    rewritten = with_protocol_dataset(text, *dataset)
    clauses = " ".join([f"USING <{g}>" for g in dataset[0]] + [f"USING NAMED <{g}>" for g in dataset[1]])
    assert rewritten.count(clauses) == modifies and rewritten.replace(clauses + " ", "") == text
    applied(store, rewritten)  # parses and runs


@EXAMPLES
@given(group(), datasets)
def test_using_clauses_answer_as_the_dataset_given_as_options(store, pattern, dataset):
    """An INSERT ... WHERE over the protocol's dataset inserts what the same WHERE selects over that dataset."""
    defaults, named = dataset
    text = f"{PROLOGUE}INSERT {{ GRAPH <{OUT}> {{ ?s <{EX}seen> ?o }} }} WHERE {{ {pattern.text} }}"
    after = applied(store, with_protocol_dataset(text, defaults, named))
    selected = store.query(f"{PROLOGUE}CONSTRUCT {{ ?s <{EX}seen> ?o }} WHERE {{ {pattern.text} }}",
                           default_graph=[ox.NamedNode(g) for g in defaults],
                           named_graphs=[ox.NamedNode(g) for g in named])
    expected = sorted({*(str(quad) for quad in store),
                       *(str(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(OUT))) for t in selected)})
    assert after == expected


# --- examples ------------------------------------------------------------------------------------------------------

def test_unknown_form_is_a_problem_with_its_position():
    reading = scan("# comment\n  SELEC ?x WHERE { ?x ?y ?z }")
    assert reading.form is None and "'SELEC' at 2:3" in reading.problem
    assert scan("").problem and scan("PREFIX ex: <http://ex/>").form is None
    assert "at 1:18" in scan('SELECT * { ?s ?p "x  }').problem  # an unclosed string


def test_an_update_has_its_own_form():
    assert scan("PREFIX ex: <http://ex/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }").own_dataset == "WITH"
    assert scan("LOAD <http://ex/data>").form == UPDATE


def test_variables_are_exact_names():
    reading = scan('SELECT ?pilotLabel $twin WHERE { ?pilotLabel ?p $twin } # ?pilot\n VALUES ?x { "?pilot" }')
    assert reading.variables == {"pilotLabel", "p", "twin", "x"}


def test_service_and_load_targets_are_resolved():
    reading = scan("PREFIX e: <http://e.example/> SELECT * { SERVICE SILENT e:sparql { ?s ?p ?o } "
                   "SERVICE ?endpoint { } } # SERVICE <http://hidden/> {}")
    assert [(call.kind, call.silent, call.iri) for call in reading.calls] == [
        ("SERVICE", True, "http://e.example/sparql"), ("SERVICE", False, None)]
    first = reading.calls[0]
    assert reading.text[first.start:first.end] == "SERVICE SILENT e:sparql { ?s ?p ?o }"
    load = scan("LOAD SILENT <http://l.example/x.ttl> INTO GRAPH <http://ex/g> ; CLEAR ALL").calls[0]
    assert (load.kind, load.iri) == ("LOAD", "http://l.example/x.ttl")
    assert load.end == len("LOAD SILENT <http://l.example/x.ttl> INTO GRAPH <http://ex/g>")


def test_dataset_iris_resolve_prefixes_escapes_and_base():
    reading = scan(r"BASE <http://b.example/> PREFIX e: <http://e.example/> "
                   r"SELECT * FROM e:a\#b FROM <rel> FROM NAMED u:x { }")
    assert [(clause.named, clause.iri) for clause in reading.dataset] == [
        (False, "http://e.example/a#b"), (False, "http://b.example/rel"), (True, None)]
    assert reading.base == "http://b.example/"


def test_where_group_and_limit_of_the_outermost_query_only():
    text = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 } } LIMIT 10"
    reading = scan(text)
    assert reading.limit == 10 and text[reading.where[0]] == "{" and reading.where[1] == text.rindex("}")
    assert scan("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 } }").limit is None
    assert scan("DESCRIBE <http://ex/a>").where is None


def test_named_query_parameter_must_be_a_variable_itself(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("#+ summary: s\n#+ params:\n#+   - {name: pilot, type: iri, description: d}\n"
                    "SELECT ?pilotLabel WHERE { ?x ?y ?pilotLabel }\n", encoding="utf-8")
    with pytest.raises(NamedQueryError, match="'pilot'"):
        parse_named_query(path)
    path.write_text(path.read_text(encoding="utf-8").replace("?x", "?pilot"), encoding="utf-8")
    assert parse_named_query(path).parameters[0].name == "pilot"
