// The query editor: runs a query or a named query, shows a paginated table with labelled links, downloads.
// Plain JavaScript served by the project itself: it works with no internet access.
(function () {
  "use strict";
  const PAGE = 50;
  const ID = "https://w3id.org/nzc-twinning/id/";
  const ONTOLOGY = "https://w3id.org/nzc-twinning/ontology";
  const named = JSON.parse(document.getElementById("named-queries").textContent);
  const $ = (id) => document.getElementById(id);
  const form = $("editor"), textarea = $("query"), picker = $("named");
  // Paths come from the page, so the editor works under any prefix a proxy serves the site from (/twinning/...).
  const BASE = form.dataset.base, ENDPOINT = form.getAttribute("action");
  let rows = [], variables = [], page = 0, labels = {};

  function selectedQuery() { return named.find((q) => q.name === picker.value); }

  function showParameters() {
    const query = selectedQuery(), fields = $("parameter-fields");
    fields.textContent = "";
    $("parameters").hidden = !query || query.parameters.length === 0;
    if (!query) return;
    textarea.value = query.text;
    const given = new URLSearchParams(location.search);
    for (const p of query.parameters) {
      const label = document.createElement("label");
      label.htmlFor = "param-" + p.name;
      label.textContent = p.name + " (" + p.type + (p.required ? ", required" : "") + "): " + p.description;
      const input = document.createElement("input");
      input.id = "param-" + p.name;
      input.name = p.name;
      input.placeholder = p.example || "";
      input.value = given.get(p.name) || "";
      fields.append(label, input);
    }
  }

  function requestFor(format) {
    const query = selectedQuery();
    if (query) {
      const params = new URLSearchParams();
      for (const p of query.parameters) {
        const value = $("param-" + p.name).value.trim();
        if (value) params.set(p.name, value);
      }
      if (format) params.set("format", format);
      return { url: BASE + "queries/" + query.name + "?" + params, share: "?name=" + query.name + "&" + params };
    }
    const params = new URLSearchParams({ query: textarea.value });
    if (format) params.set("format", format);
    return { url: ENDPOINT + "?" + params, share: "?" + new URLSearchParams({ query: textarea.value }) };
  }

  function showError(message) {
    const box = $("error");
    box.hidden = false;
    box.textContent = message;
    const at = /at (\d+):(\d+)/.exec(message);  // the parser's position: line and column
    if (at) {
      const line = textarea.value.split("\n")[Number(at[1]) - 1] || "";
      box.textContent += "\n\n" + line + "\n" + " ".repeat(Math.max(Number(at[2]) - 1, 0)) + "^";
    }
  }

  function compact(iri) {
    if (iri.startsWith(ID)) return iri.slice(ID.length);
    return iri;
  }

  function href(iri) {
    if (iri.startsWith(ID)) return BASE + "id/" + iri.slice(ID.length);
    if (iri.startsWith(ONTOLOGY)) return BASE + "ontology" + iri.slice(ONTOLOGY.length);
    return iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = href(term.value);
      a.textContent = labels[term.value] || compact(term.value);
      a.title = term.value;
      td.append(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
    }
    return td;
  }

  async function fetchLabels(pageRows) {
    const iris = new Set();
    for (const row of pageRows) for (const v of variables) {
      const t = row[v];
      if (t && t.type === "uri" && t.value.startsWith(ID) && !(t.value in labels)) iris.add(t.value);
    }
    if (iris.size === 0) return;
    // The IRIs come from the server's own answer; they are written as <...> terms after checking their characters.
    const values = [...iris].filter((i) => !/[<>"{}|\\^`\s]/.test(i)).map((i) => "<" + i + ">").join(" ");
    const query = "SELECT ?x (SAMPLE(?l) AS ?label) WHERE { VALUES ?x { " + values + " } " +
      "?x <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) = \"en\") } GROUP BY ?x";
    const response = await fetch(ENDPOINT, { method: "POST", headers: { Accept: "application/sparql-results+json" },
      body: new URLSearchParams({ query }) });
    if (!response.ok) return;
    for (const b of (await response.json()).results.bindings) labels[b.x.value] = b.label.value;
  }

  async function render() {
    const slice = rows.slice(page * PAGE, (page + 1) * PAGE);
    await fetchLabels(slice);
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const v of variables) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of slice) {
      const tr = body.insertRow();
      for (const v of variables) tr.append(cell(row[v]));
    }
    $("results").replaceChildren(table);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    $("pages").hidden = pages === 1;
    $("page-info").textContent = "page " + (page + 1) + " of " + pages;
    $("previous").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  function showDownloads(graph) {
    const formats = graph ? ["turtle", "ntriples", "jsonld", "rdfxml"] : ["csv", "tsv", "json", "xml"];
    const links = formats.map((f) => {
      const a = document.createElement("a");
      a.href = requestFor(f).url;
      a.textContent = f.toUpperCase();
      a.download = "result." + { csv: "csv", tsv: "tsv", json: "srj", xml: "srx", turtle: "ttl",
        ntriples: "nt", jsonld: "jsonld", rdfxml: "rdf" }[f];
      a.dataset.format = f;
      return a;
    });
    $("download-links").replaceChildren(...links.flatMap((a, i) => (i ? [" · ", a] : [a])));
    $("downloads").hidden = false;
  }

  async function run(event) {
    if (event) event.preventDefault();
    $("error").hidden = true;
    $("capped").hidden = true;
    $("downloads").hidden = true;
    $("results").textContent = "";
    $("pages").hidden = true;
    $("status").textContent = "Running…";
    const request = requestFor("");
    history.replaceState(null, "", BASE + "query" + request.share);
    const started = performance.now();
    let response;
    try {
      response = await fetch(request.url, { headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } });
    } catch (error) {
      $("status").textContent = "";
      showError("The server could not be reached: " + error);
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      $("status").textContent = "";
      const body = type.includes("json") ? await response.json() : { error: await response.text() };
      showError("Error " + response.status + ": " + body.error);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (type.includes("turtle")) {
      const pre = document.createElement("pre");
      pre.textContent = await response.text();
      $("results").replaceChildren(pre);
      $("status").textContent = "Graph received in " + seconds + " s.";
      showDownloads(true);
      return;
    }
    const data = await response.json();
    if ("boolean" in data) {
      $("results").textContent = "Answer: " + data.boolean;
      $("status").textContent = "Done in " + seconds + " s.";
      return;
    }
    variables = data.head.vars;
    rows = data.results.bindings;
    page = 0;
    $("status").textContent = rows.length + " rows in " + seconds + " s.";
    showDownloads(false);
    await render();
    // Shown only once the rows are on screen, so the note never describes an answer still arriving.
    const capped = response.headers.get("X-Twinning-Capped");
    if (capped) {
      $("capped-rows").textContent = capped.replace("rows=", "");
      $("capped").hidden = false;
    }
  }

  picker.addEventListener("change", () => { showParameters(); });
  form.addEventListener("submit", run);
  textarea.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(e); });
  $("previous").addEventListener("click", () => { page -= 1; render(); });
  $("next").addEventListener("click", () => { page += 1; render(); });
  textarea.addEventListener("input", () => { if (picker.value) { picker.value = ""; showParameters(); } });
  showParameters();
  if (new URLSearchParams(location.search).has("run")) run();
})();
