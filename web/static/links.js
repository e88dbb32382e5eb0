// What every page's scripts share about the graph's resources: where a resource's page is, and its English label.
//
//   TwinningLinks.page(iri)    -> the server's page of a resource of the graph or of a term of the ontology, the IRI
//                                 itself for any other http(s) IRI, null for anything else (never a javascript: link)
//   TwinningLinks.labels(iris) -> Promise: the English labels of these IRIs are known, asked of this server's endpoint
//   TwinningLinks.label(iri)   -> the label, once known, else undefined
//
// Paths are taken from this script's own address, so the site works under any prefix a proxy serves it from.
(function () {
  "use strict";
  const ROOT = new URL("../", document.currentScript.src).pathname;
  const ID = "https://w3id.org/nzc-twinning/id/", ONTOLOGY = "https://w3id.org/nzc-twinning/ontology";
  const LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  const CHUNK = 1000;  // IRIs asked in one query: one request for most answers
  const known = new Map();  // IRI -> label, or null when the graph has none
  const pending = new Map();  // IRI -> the lookup that will know it

  function page(iri) {
    if (!iri || !/^https?:/i.test(iri)) return null;
    if (iri.startsWith(ID)) return ROOT + "id/" + iri.slice(ID.length);
    // the ontology and its terms (#City); its version IRIs (/1.0.0) have no page here
    if (iri === ONTOLOGY || iri.startsWith(ONTOLOGY + "#")) return ROOT + "ontology" + iri.slice(ONTOLOGY.length);
    return iri;
  }

  async function lookUp(chunk) {
    const query = "SELECT ?x (SAMPLE(?l) AS ?label) WHERE { VALUES ?x { " + chunk.map((x) => "<" + x + ">").join(" ")
      + " } ?x <" + LABEL + "> ?l FILTER(lang(?l) = \"\" || langMatches(lang(?l), \"en\")) } GROUP BY ?x";
    try {
      const response = await fetch(ROOT + "sparql", { method: "POST", body: new URLSearchParams({ query }),
        headers: { Accept: "application/sparql-results+json" } });
      if (response.ok) for (const b of (await response.json()).results.bindings) known.set(b.x.value, b.label.value);
    } finally {
      chunk.forEach((iri) => { if (!known.has(iri)) known.set(iri, null); pending.delete(iri); });
    }
  }

  // Resolves once every label asked for is known, including those another call is already looking up.
  function labels(iris) {
    const unique = [...new Set(iris)];
    const waiting = new Set(unique.filter((iri) => pending.has(iri)).map((iri) => pending.get(iri)));
    // Only IRIs that can be written between < and > in a query, each asked once per page.
    const missing = unique.filter((iri) => /^https?:/i.test(iri) && !known.has(iri) && !pending.has(iri)
      && !/[<>"{}|^`\\\s]/.test(iri)).slice(0, 10 * CHUNK);
    for (let i = 0; i < missing.length; i += CHUNK) {
      const chunk = missing.slice(i, i + CHUNK);
      const lookup = lookUp(chunk);
      chunk.forEach((iri) => pending.set(iri, lookup));
      waiting.add(lookup);
    }
    return Promise.all(waiting).then(() => undefined, () => undefined);
  }

  function label(iri) { return known.get(iri) || undefined; }

  window.TwinningLinks = { page, labels, label };
})();
