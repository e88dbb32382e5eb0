"""using-graph-uri / using-named-graph-uri written into an update as USING clauses."""
import pytest

from graph.protocol_dataset import DatasetConflict, with_protocol_dataset


def test_using_clauses_go_before_each_modify_where():
    update = ("INSERT { GRAPH <g> { ?s <p> \"WHERE {\" } } WHERE { ?s ?p ?o FILTER(?o < 3) } ;\n"
              "DELETE { ?s ?p ?o } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }")
    result = with_protocol_dataset(update, ["http://d/1"], ["http://d/2"])
    assert result.count("USING <http://d/1> USING NAMED <http://d/2> WHERE") == 2
    assert '"WHERE {"' in result  # a keyword inside a string is left alone
    assert "SELECT ?s WHERE" in result  # and so is a subquery's WHERE


def test_delete_where_and_data_operations_untouched():
    update = "DELETE WHERE { ?s ?p ?o } ; INSERT DATA { <a> <b> <c> } # WHERE in a comment"
    assert with_protocol_dataset(update, ["http://d/1"], []) == update


@pytest.mark.parametrize("update", ["WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    "DELETE { ?s ?p ?o } USING <g> WHERE { ?s ?p ?o }"])
def test_dataset_given_twice_conflicts(update):
    with pytest.raises(DatasetConflict):
        with_protocol_dataset(update, ["http://d/1"], [])
    assert with_protocol_dataset(update, [], []) == update


def test_escaped_hash_in_a_name_is_not_a_comment():
    update = r"PREFIX ex: <http://ex/> INSERT { ?s ex:p ex:a\#b } WHERE { ?s ?p ?o }"
    assert "} USING <http://d/1> WHERE {" in with_protocol_dataset(update, ["http://d/1"], [])
