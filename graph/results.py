"""SPARQL query results as rows of terms in their SPARQL JSON form: read from the XML format, written in any format.

Used where pyoxigraph cannot do the job: re-encoding a remote engine's answer (whose blank node labels, such as
Virtuoso's `nodeID://b1`, pyoxigraph refuses) and writing a capped answer. Writers are generators, so answers stream.
"""
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

NS = "{http://www.w3.org/2005/sparql-results#}"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
BATCH = 500  # rows per written chunk


class Boolean:
    """The answer of an ASK query."""

    def __init__(self, value: bool):
        self.value = value


def read_xml(stream) -> tuple[list[str], Iterator[dict]] | Boolean:
    """Variables and a lazy iterator over the rows of a SPARQL XML results document, or its Boolean. Blank nodes
    get labels of their own (b0, b1, ...): an engine's may not be valid ones (Virtuoso writes `nodeID://b10003`)."""
    events = ET.iterparse(stream, events=("start", "end"))
    labels: dict[str, str] = {}
    variables: list[str] = []
    for event, element in events:
        if event == "end" and element.tag == NS + "variable":
            variables.append(element.get("name"))
        elif event == "end" and element.tag == NS + "boolean":
            return Boolean(element.text.strip() == "true")
        elif event == "start" and element.tag == NS + "results":
            return variables, _rows(events, labels)
    return variables, iter(())


def _rows(events, labels: dict) -> Iterator[dict]:
    for event, element in events:
        if event == "end" and element.tag == NS + "result":
            yield {binding.get("name"): _term(binding[0], labels) for binding in element if len(binding)}
            element.clear()  # keep memory flat on long answers


def _term(element, labels: dict) -> dict:
    kind = element.tag.removeprefix(NS)
    if kind == "uri":
        return {"type": "uri", "value": element.text or ""}
    if kind == "bnode":
        return {"type": "bnode", "value": labels.setdefault(element.text or "", f"b{len(labels)}")}
    if kind == "triple":
        parts = {part.tag.removeprefix(NS): _term(part[0], labels) for part in element}
        return {"type": "triple", "value": parts}
    term = {"type": "literal", "value": element.text or ""}
    language = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    if language:
        term["xml:lang"] = language
    elif element.get("datatype") and element.get("datatype") != XSD_STRING:
        term["datatype"] = element.get("datatype")
    return term


XSD = "http://www.w3.org/2001/XMLSchema#"
# Literals TSV may write bare, as Turtle does (and as pyoxigraph writes them): a lexical form each datatype shares
# with Turtle's numbers and booleans.
BARE = {XSD + "integer": re.compile(r"[+-]?[0-9]+"), XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
        XSD + "double": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+"),
        XSD + "boolean": re.compile(r"true|false")}


def tsv_term(term: dict) -> str:
    """A term as a TSV cell: N-Triples syntax, numbers and booleans bare."""
    pattern = BARE.get(term.get("datatype", ""))
    return term["value"] if pattern and pattern.fullmatch(term["value"]) else ntriples_term(term)


def ntriples_term(term: dict) -> str:
    """A term in N-Triples syntax."""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if term["type"] == "triple":
        value = term["value"]
        return f"<< {ntriples_term(value['subject'])} {ntriples_term(value['predicate'])} " \
               f"{ntriples_term(value['object'])} >>"
    text = term["value"].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t")
    if "xml:lang" in term:
        return f'"{text}"@{term["xml:lang"]}'
    if "datatype" in term:
        return f'"{text}"^^<{term["datatype"]}>'
    return f'"{text}"'


def xml_text(text: str) -> str:
    """Text escaped for XML, carriage returns included (a parser would read a raw one as a line feed)."""
    return escape(text, {"\r": "&#13;"})


def xml_term(term: dict) -> str:
    if term["type"] in ("uri", "bnode"):
        return f"<{term['type']}>{xml_text(term['value'])}</{term['type']}>"
    if term["type"] == "triple":
        return "<triple>" + "".join(f"<{part}>{xml_term(term['value'][part])}</{part}>"
                                    for part in ("subject", "predicate", "object")) + "</triple>"
    if "xml:lang" in term:
        return f"<literal xml:lang={quoteattr(term['xml:lang'])}>{xml_text(term['value'])}</literal>"
    if "datatype" in term:
        return f"<literal datatype={quoteattr(term['datatype'])}>{xml_text(term['value'])}</literal>"
    return f"<literal>{xml_text(term['value'])}</literal>"


def csv_cell(term: dict | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if term["type"] == "triple":
        return ntriples_term(term)
    return term["value"]


def write(answer: tuple[list[str], Iterable[dict]] | Boolean, name: str) -> Iterator[bytes]:
    """Serialize rows (or a Boolean) as `name`: json, xml, csv or tsv."""
    if isinstance(answer, Boolean):
        yield _boolean(answer.value, name)
        return
    variables, rows = answer
    rows = iter(rows)
    if name == "json":
        yield b'{"head":{"vars":' + json.dumps(variables).encode() + b'},"results":{"bindings":['
        separator = ""
        for batch in _batches(rows):
            yield (separator + ",".join(json.dumps(row, ensure_ascii=False) for row in batch)).encode()
            separator = ","
        yield b"]}}"
    elif name == "xml":
        yield ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
               + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>").encode()
        for batch in _batches(rows):
            yield "".join("<result>" + "".join(f"<binding name={quoteattr(v)}>{xml_term(t)}</binding>"
                                               for v, t in row.items()) + "</result>" for row in batch).encode()
        yield b"</results></sparql>"
    elif name == "tsv":
        yield ("\t".join("?" + v for v in variables) + "\n").encode()
        for batch in _batches(rows):
            yield "".join("\t".join(tsv_term(row[v]) if v in row else "" for v in variables) + "\n"
                          for row in batch).encode()
    else:
        text = io.StringIO()
        table = csv.writer(text, lineterminator="\r\n")
        table.writerow(variables)
        yield text.getvalue().encode()
        for batch in _batches(rows):
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n").writerows([csv_cell(row.get(v)) for v in variables]
                                                              for row in batch)
            yield text.getvalue().encode()


def _boolean(value: bool, name: str) -> bytes:
    word = "true" if value else "false"
    if name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if name == "xml":
        return (f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head></head>'
                f"<boolean>{word}</boolean></sparql>").encode()
    return word.encode()


def _batches(rows: Iterator[dict]) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
