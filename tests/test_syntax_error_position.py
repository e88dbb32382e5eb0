"""A syntax error says where it is: the one JSON error shape carries the parser's line and column (issue 14), so
the editor can mark the spot. Oxigraph's parser gives both (embedded, `oxigraph serve`); where an engine's message
does not say, the shape stays the plain one."""
ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

BAD = "SELECT ?x WHERE {\n  ?x ?y\n}"


def test_post_sparql_syntax_error_has_line_and_column(client, backend):
    response = client.post("/sparql", data={"query": BAD})
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["error"]
    if backend == "virtuoso":  # Virtuoso's message names no column
        assert "column" not in body, body
    else:
        assert (body["line"], body["column"]) == (3, 2), body


def test_get_named_query_bad_parameter_has_no_position(client):
    body = client.get("/queries/twins_of_pilot", query_string={"pilot": "not a valid <iri>"}).get_json()
    assert body["status"] == 400 and "line" not in body
