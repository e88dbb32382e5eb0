"""exchange_activities.csv: site visits, workshops, meetings and conferences between twin and pilot cities."""
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from .known import Known
from .quads import Quads
from .sources import add_facts, describe_source
from .table import read_table
from .terms import ID, TW, cohort_iri, entity_iri

HEADER = ["activity_id", "activity_type", "title", "start_date", "end_date", "host_city_id",
          "participant_city_ids", "twinning_cohort", "module", "source_url", "notes"]
ACTIVITY_TYPES = {"site-visit", "workshop", "online-meeting", "conference", "kick-off", "seminar"}
MODULES = {"Getting started", "Co-creating", "Capitalising"}


def load(path: Path, known: Known) -> Quads:
    """One tw:ExchangeActivity per row, in the graph of its main source. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("activity_id")
    dataset = Quads()
    for row in table:
        activity_id = row.slug("activity_id")
        kind = row.choice("activity_type", ACTIVITY_TYPES)
        title = row.text("title", required=True)
        start = row.date("start_date")
        end = row.date("end_date")
        if end is not None and start is None:
            row.fail("end_date", "is given without a start_date")
        elif end is not None and start is not None and str(end) < str(start)[: len(str(end))]:
            row.fail("end_date", f"{end} is before start_date {start}")
        host = row.ref("host_city_id", known.cities, "city", required=False)
        participants = row.refs("participant_city_ids", known.cities, "city")
        if host and host in participants:
            row.fail("participant_city_ids", f"names the host {host!r} as a participant")
        cohort = row.choice("twinning_cohort", {"1", "2", "3"}, required=False)
        module = row.choice("module", MODULES, required=False)
        urls = row.urls("source_url", known.sources)
        notes = row.text("notes")
        if None in (activity_id, kind, title) or not urls:
            continue

        activity = entity_iri("activity", activity_id)
        graph = describe_source(dataset, urls[0])
        facts = [
            (activity, RDF.type, TW.ExchangeActivity),
            (activity, RDFS.label, Literal(title, lang="en")),
            (activity, DCTERMS.type, ID[f"activity-type/{kind}"]),
        ]
        if start is not None:
            facts.append((activity, TW.startDate, start))
        if end is not None:
            facts.append((activity, TW.endDate, end))
        if host:
            facts.append((activity, TW.hostCity, entity_iri("city", host)))
        facts += [(activity, TW.participant, entity_iri("city", c)) for c in participants]
        if cohort:
            facts.append((activity, TW.cohort, cohort_iri("twinning", int(cohort))))
        if module:
            facts.append((activity, TW.module, Literal(module, lang="en")))
        if notes:
            facts.append((activity, SKOS.editorialNote, Literal(notes, lang="en")))
        add_facts(dataset, facts, graph)
    table.check()
    return dataset
