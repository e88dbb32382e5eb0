"""IRIs of the knowledge graph: the ontology namespace, the instance IRIs and the source graphs.

Every IRI the loaders mint comes from here, from a stable id of the data files, never from a label.
"""
import hashlib

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from nzc_twinning import namespaces

BASE = namespaces.BASE
ONTOLOGY = URIRef(namespaces.ONTOLOGY)
ID = Namespace(namespaces.ID)

WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
GEONAMES = Namespace("https://sws.geonames.org/")


class TW(DefinedNamespace):
    """The ontology's terms; a typo fails at import time, and a test checks them against ontology/twinning.ttl."""

    _NS = Namespace(namespaces.TW)
    _fail = True

    # classes
    City: URIRef
    Mission: URIRef
    Project: URIRef
    Programme: URIRef
    Cohort: URIRef
    Pilot: URIRef
    Twin: URIRef
    ExchangeActivity: URIRef
    ReplicationPlan: URIRef
    MissionLabelRound: URIRef
    SourceDocument: URIRef
    ActivityType: URIRef
    ActivityTypeScheme: URIRef
    # contract properties
    country: URIRef
    missionCityOf: URIRef
    ledBy: URIRef
    cohort: URIRef
    programme: URIRef
    twinCity: URIRef
    pairedWith: URIRef
    replicationPlan: URIRef
    cohortNumber: URIRef
    startDate: URIRef
    duration: URIRef
    announcedSize: URIRef
    missionLabelYear: URIRef
    # cities, pilots, twins, activities
    localName: URIRef
    officialName: URIRef
    selectedDate: URIRef
    euMember: URIRef
    acronym: URIRef
    emissionDomain: URIRef
    selectionYear: URIRef
    pairedPilotName: URIRef
    pairedPilotCity: URIRef
    hostCity: URIRef
    participant: URIRef
    endDate: URIRef
    dueDate: URIRef
    module: URIRef
    # programme facts
    facilitatedBy: URIRef
    missionPlatform: URIRef
    matchedWith: URIRef
    fundingProgramme: URIRef
    grantAgreement: URIRef
    coordinator: URIRef
    partners: URIRef
    partnerCountries: URIRef
    minDuration: URIRef
    maxDuration: URIRef
    callOpens: URIRef
    callCloses: URIRef
    callDeadlineExtendedTo: URIRef
    partnerCallOpens: URIRef
    partnerCallCloses: URIRef
    infoWebinarDate: URIRef
    plannedAnnouncement: URIRef
    announcedDate: URIRef
    reportedSize: URIRef
    countries: URIRef
    euCountries: URIRef
    euCities: URIRef
    associatedCountryCities: URIRef
    activities: URIRef
    applications: URIRef
    applicantCities: URIRef
    applicantCountries: URIRef
    eligibleApplicants: URIRef
    cumulativeCities: URIRef
    citiesSupported: URIRef
    numberOfCohorts: URIRef
    citiesAwarded: URIRef
    minPopulation: URIRef
    minHoursPerMonth: URIRef
    budgetEur: URIRef
    budgetMinEur: URIRef
    budgetMaxEur: URIRef
    grantEnvelopeEur: URIRef
    investmentNeedEur: URIRef
    siteVisitBudgetEur: URIRef
    eligibility: URIRef
    focus: URIRef
    matchingBasis: URIRef
    activityType: URIRef
    seminarTopic: URIRef
    travelSupport: URIRef
    finalDocumentName: URIRef
    participatingMissionCity: URIRef
    targetYear: URIRef
    awardDate: URIRef
    awardEvent: URIRef


def entity_iri(kind: str, stable_id: str) -> URIRef:
    """The IRI of an instance from its class segment and stable id.

    >>> str(entity_iri("city", "lund"))
    'https://w3id.org/nzc-twinning/id/city/lund'
    """
    return URIRef(namespaces.entity_iri(kind, stable_id))


def source_graph(url: str) -> URIRef:
    """The named graph holding what one source document states; its id is a digest of the document's URL.

    >>> str(source_graph("https://netzerocities.eu/"))
    'https://w3id.org/nzc-twinning/id/source/353216b0b20b2c8a'
    """
    return ID["source/" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]]


# Subjects of programme_facts.csv and the class segment of their IRIs (data/README.md lists the fixed ids).
SUBJECT_KINDS = {
    "mission": ("mission", TW.Mission),
    "netzerocities": ("project", TW.Project),
    "pilot-programme": ("programme", TW.Programme),
    "twinning-programme": ("programme", TW.Programme),
    "pilot-cohort": ("cohort", TW.Cohort),
    "twinning-cohort": ("cohort", TW.Cohort),
    "mission-label-batch": ("label-round", TW.MissionLabelRound),
}


def subject_kind(subject_id: str) -> tuple[str, URIRef] | None:
    """The IRI segment and class of a programme subject id, or None if the id is not one of the fixed subjects."""
    if subject_id in SUBJECT_KINDS:
        return SUBJECT_KINDS[subject_id]
    prefix, _, suffix = subject_id.rpartition("-")
    if prefix in ("pilot-cohort", "twinning-cohort") and suffix.isdigit():
        return SUBJECT_KINDS[prefix]
    if subject_id.startswith("mission-label-batch-"):
        return SUBJECT_KINDS["mission-label-batch"]
    return None


def subject_iri(subject_id: str) -> URIRef:
    """The IRI of a programme subject, e.g. a cohort.

    >>> str(subject_iri("twinning-cohort-1"))
    'https://w3id.org/nzc-twinning/id/cohort/twinning-cohort-1'
    """
    kind = subject_kind(subject_id)
    if kind is None:
        raise KeyError(subject_id)
    return entity_iri(kind[0], subject_id)


MISSION = subject_iri("mission")


def cohort_iri(programme: str, number: int) -> URIRef:
    """The IRI of cohort `number` of the "pilot" or "twinning" programme."""
    return subject_iri(f"{programme}-cohort-{number}")
