"""Reading one fact file: rows with their line numbers, typed cell readers, and row errors.

A cell reader returns the parsed value, or records an error naming file, line and column and returns None, so that
a loader reports every bad cell of a file at once. Nothing here builds RDF.
"""
import csv
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import XSD

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r'^https?://[^\s<>"{}|\\^`\x00-\x1f\x7f]+$')  # what an IRI in N-Quads can hold


@dataclass(frozen=True)
class RowError:
    path: Path
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        # One error, one line: control characters from the data are shown escaped.
        message = self.message.encode("unicode_escape").decode("ascii") if not self.message.isprintable() \
            else self.message
        return f"{self.path}:{self.line}: {self.column}: {message}"


class DataError(Exception):
    """Raised with every row error of a load; a load that raises this writes nothing."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (str(e.path), e.line, e.column))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Row:
    table: "Table"
    line: int
    cells: dict[str, str]

    def fail(self, column: str, message: str) -> None:
        self.table.errors.append(RowError(self.table.path, self.line, column, message))

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.cells[column].strip()
        if value != self.cells[column]:
            self.fail(column, "has leading or trailing spaces")
        if not value:
            if required:
                self.fail(column, "is empty but required")
            return None
        return value

    def slug(self, column: str, required: bool = True) -> str | None:
        value = self.text(column, required)
        if value is not None and not SLUG.match(value):
            self.fail(column, f"{value!r} is not a lowercase slug (a-z, 0-9 and single hyphens)")
            return None
        return value

    def slugs(self, column: str, required: bool = False) -> list[str]:
        """A `;`-separated list of slugs."""
        value = self.text(column, required)
        if value is None:
            return []
        items = value.split(";")
        bad = [item for item in items if not SLUG.match(item)]
        if bad:
            self.fail(column, f"{bad[0]!r} is not a lowercase slug")
            return []
        if len(set(items)) != len(items):
            self.fail(column, "repeats an id")
        return items

    def ref(self, column: str, known: set[str] | dict, what: str, required: bool = True) -> str | None:
        value = self.slug(column, required)
        if value is not None and value not in known:
            self.fail(column, f"unknown {what} {value!r}")
            return None
        return value

    def refs(self, column: str, known: set[str] | dict, what: str, required: bool = False) -> list[str]:
        values = self.slugs(column, required)
        unknown = [v for v in values if v not in known]
        for value in unknown:
            self.fail(column, f"unknown {what} {value!r}")
        return [] if unknown else values

    def urls(self, column: str, known: set[str]) -> list[str]:
        """Space-separated source URLs, each listed in sources.csv; the first is the row's main source."""
        value = self.text(column, required=True)
        if value is None:
            return []
        urls = value.split(" ")
        for url in urls:
            if not URL.match(url):
                self.fail(column, f"{url!r} is not an http(s) URL")
                return []
            if url not in known:
                self.fail(column, f"{url} has no row in sources.csv")
                return []
        return urls

    def integer(self, column: str, required: bool = False, minimum: int | None = None) -> int | None:
        value = self.text(column, required)
        if value is None:
            return None
        if not re.fullmatch(r"-?[0-9]+", value):
            self.fail(column, f"{value!r} is not an integer")
            return None
        number = int(value)
        if minimum is not None and number < minimum:
            self.fail(column, f"{number} is below {minimum}")
            return None
        return number

    def decimal(self, column: str, low: float, high: float) -> Decimal | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not low <= number <= high:
            self.fail(column, f"{value!r} is not a decimal number between {low} and {high}")
            return None
        return number

    def date(self, column: str, required: bool = False) -> Literal | None:
        """A date published as YYYY-MM-DD, YYYY-MM or YYYY, typed xsd:date, xsd:gYearMonth or xsd:gYear."""
        value = self.text(column, required)
        if value is None:
            return None
        literal = date_literal(value)
        if literal is None:
            self.fail(column, f"{value!r} is not a date of the form YYYY-MM-DD, YYYY-MM or YYYY")
        return literal

    def choice(self, column: str, options: set[str] | dict, required: bool = True) -> str | None:
        value = self.text(column, required)
        if value is not None and value not in options:
            self.fail(column, f"{value!r} is not one of {', '.join(sorted(options))}")
            return None
        return value


def date_literal(value: str) -> Literal | None:
    """Type a published date by its precision; None if it is not a real calendar date.

    >>> date_literal("2023-09").datatype.endswith("gYearMonth")
    True
    >>> date_literal("2023-02-30") is None
    True
    """
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            datetime.date.fromisoformat(value)
            return Literal(value, datatype=XSD.date)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", value) and 1 <= int(value[5:]) <= 12:
            return Literal(value, datatype=XSD.gYearMonth)
        if re.fullmatch(r"[0-9]{4}", value):
            return Literal(value, datatype=XSD.gYear)
    except ValueError:
        pass
    return None


@dataclass
class Table:
    """The rows of one CSV file, with the errors found while reading it."""

    path: Path
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def unique(self, column: str) -> None:
        """Record an error for every row whose value in `column` repeats an earlier row's."""
        seen: dict[str, int] = {}
        for row in self.rows:
            value = row.cells[column]
            if value and value in seen:
                row.fail(column, f"{value!r} repeats line {seen[value]}")
            seen.setdefault(value, row.line)

    def check(self) -> None:
        """Raise DataError if any row of the file was bad."""
        if self.errors:
            raise DataError(self.errors)


def read_table(path: Path, header: list[str]) -> Table:
    """Read a UTF-8 CSV file with exactly the given header; rows keep the line they start on."""
    path = Path(path)
    table = Table(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        table.errors.append(RowError(path, 0, "-", f"cannot read the file: {error.strerror}"))
        return table
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        table.errors.append(RowError(path, line, "-", f"is not UTF-8 (byte 0x{raw[error.start]:02x})"))
        return table
    if text.startswith("\ufeff"):
        table.errors.append(RowError(path, 1, "-", "starts with a byte order mark"))
        return table

    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    try:
        found = next(reader, None)
        if found != header:
            table.errors.append(RowError(path, 1, "header", f"expected {','.join(header)}, found {','.join(found or [])}"))
            return table
        start = reader.line_num + 1
        for cells in reader:
            if cells and len(cells) != len(header):
                table.errors.append(
                    RowError(path, start, "-", f"has {len(cells)} fields, the header has {len(header)}")
                )
            elif cells:
                table.rows.append(Row(table, start, dict(zip(header, cells))))
            start = reader.line_num + 1
    except csv.Error as error:
        table.errors.append(RowError(path, reader.line_num, "-", f"is not valid CSV: {error}"))
    return table
