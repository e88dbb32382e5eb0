"""programme_facts.csv: one statement per row about the Mission, NetZeroCities, the programmes, their cohorts and
the Mission Label rounds.

A statement goes into the graph of every source the row cites for it, so that where sources disagree (20 vs 18
months, 40 vs 37 twin cities) each value stays with its own source and nothing is resolved.
"""
import re
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from .known import Known
from .quads import Quads
from .sources import describe_source
from .table import date_literal, read_table
from .terms import TW, subject_iri, subject_kind

HEADER = ["subject", "property", "value", "datatype", "source_url", "notes"]

DATES = {"xsd:date", "xsd:gYearMonth", "xsd:gYear"}
_KINDS = {
    "xsd:integer": "cohortNumber partners partnerCountries announcedSize reportedSize countries euCountries euCities "
                   "associatedCountryCities activities applications applicantCities applicantCountries "
                   "eligibleApplicants cumulativeCities citiesSupported numberOfCohorts citiesAwarded minPopulation "
                   "minHoursPerMonth",
    "xsd:decimal": "budgetEur budgetMinEur budgetMaxEur grantEnvelopeEur investmentNeedEur siteVisitBudgetEur",
    "date": "startDate endDate callOpens callCloses callDeadlineExtendedTo partnerCallOpens partnerCallCloses "
            "infoWebinarDate plannedAnnouncement announcedDate awardDate",
    "xsd:duration": "duration minDuration maxDuration",
    "xsd:string": "fundingProgramme grantAgreement coordinator eligibility focus matchingBasis module activityType "
                  "seminarTopic travelSupport finalDocumentName participatingMissionCity awardEvent",
    "xsd:gYear": "targetYear",
}
# property key -> (predicate, datatypes allowed in the datatype column)
PROPERTIES = {
    key: (TW[key], DATES if kind == "date" else {kind}) for kind, keys in _KINDS.items() for key in keys.split()
}
PROPERTIES.update({
    "label": (RDFS.label, {"xsd:string"}),
    "altLabel": (SKOS.altLabel, {"xsd:string"}),
    "webPage": (FOAF.page, {"iri"}),
    "partOf": (DCTERMS.isPartOf, {"iri"}),  # cohorts use the contract's tw:programme instead
    "facilitatedBy": (TW.facilitatedBy, {"iri"}),
    "missionPlatform": (TW.missionPlatform, {"iri"}),
    "pairedWith": (TW.matchedWith, {"iri"}),
})
UNTAGGED_STRINGS = {"grantAgreement"}  # identifiers, not English text

DURATION = re.compile(r"^P(?=[0-9])([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?$")
NUMBER = {"xsd:integer": re.compile(r"^-?[0-9]+$"), "xsd:decimal": re.compile(r"^-?[0-9]+(\.[0-9]+)?$")}


def parse_value(value: str, datatype: str, key: str, known: Known) -> URIRef | Literal:
    """The RDF term for a value. Raises ValueError saying why it does not parse as its datatype."""
    if datatype == "iri":
        if value.startswith(("http://", "https://")):
            if value not in known.sources:
                raise ValueError(f"{value} has no row in sources.csv")
            return URIRef(value)
        if not subject_kind(value):
            raise ValueError(f"{value!r} is neither a URL nor a subject id")
        return subject_iri(value)
    if datatype == "xsd:string":
        return Literal(value) if key in UNTAGGED_STRINGS else Literal(value, lang="en")
    if datatype in NUMBER:
        if not NUMBER[datatype].match(value):
            raise ValueError(f"{value!r} is not an {datatype}")
        return Literal(value, datatype=XSD[datatype[4:]])
    if datatype == "xsd:duration":
        if not DURATION.match(value):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as P20M")
        return Literal(value, datatype=XSD.duration)
    literal = date_literal(value)
    if literal is None or literal.datatype != XSD[datatype[4:]]:
        raise ValueError(f"{value!r} is not an {datatype}")
    return literal


def load(path: Path, known: Known) -> Quads:
    """Each statement in the graph of each source it cites. Raises DataError."""
    table = read_table(path, HEADER)
    dataset = Quads()
    seen: dict[tuple[str, str, str], int] = {}
    for row in table:
        subject_id = row.text("subject", required=True)
        if subject_id is not None and subject_kind(subject_id) is None:
            row.fail("subject", f"{subject_id!r} is not one of the fixed subject ids (data/README.md)")
            subject_id = None
        key = row.choice("property", PROPERTIES)
        value = row.text("value", required=True)
        datatype = row.text("datatype", required=True)
        urls = row.urls("source_url", known.sources)
        term = None
        if key and datatype:
            if datatype not in PROPERTIES[key][1]:
                row.fail("datatype", f"{datatype!r} is not allowed for {key} "
                                     f"(allowed: {', '.join(sorted(PROPERTIES[key][1]))})")
            elif value is not None:
                try:
                    term = parse_value(value, datatype, key, known)
                except ValueError as error:
                    row.fail("value", str(error))
        statement = (subject_id, key, value)
        if None not in statement:
            if statement in seen:
                row.fail("value", f"repeats the statement of line {seen[statement]}")
            seen.setdefault(statement, row.line)
        if subject_id is None or term is None or not urls:
            continue

        subject = subject_iri(subject_id)
        kind, cls = subject_kind(subject_id)
        predicate = TW.programme if (key == "partOf" and kind == "cohort") else PROPERTIES[key][0]
        for url in urls:
            graph = describe_source(dataset, url)
            dataset.add((subject, RDF.type, cls, graph))
            dataset.add((subject, predicate, term, graph))
    table.check()
    return dataset
