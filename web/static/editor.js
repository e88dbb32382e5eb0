// The query editor: a SPARQL code editor (CodeMirror 6, vendored in vendor/workbench-editor.js) with completion,
// the named-query picker, a history kept in the browser, shareable links, code snippets, and the answer as a
// sortable, filterable, paged table beside the views of views.js that fit it. Everything it fetches comes from the
// server that served the page: it works with no internet access.
(function () {
  "use strict";
  const PAGE = 50;
  const HISTORY_KEY = "twinning.query-history", HISTORY_SIZE = 20;
  const setup = JSON.parse(document.getElementById("editor-setup").textContent);
  const $ = (id) => document.getElementById(id);
  const form = $("editor"), picker = $("named"), textarea = $("query");
  // Paths come from the page, so the editor works under any prefix a proxy serves the site from (/twinning/...).
  const BASE = form.dataset.base, ENDPOINT = form.getAttribute("action");
  const ID = "https://w3id.org/nzc-twinning/id/";
  const { page: pageOf, labels: fetchLabels, label } = window.TwinningLinks;
  const prefixes = Object.entries(setup.prefixes);  // [name, namespace]
  let answer = null, rows = [], shown = [], variables = [], page = 0, sort = null;
  let settingText = false;

  // ---- the code editor ----------------------------------------------------------------------------------------

  const holder = document.createElement("div");
  holder.id = "query-editor";
  textarea.after(holder);
  textarea.hidden = true;
  const view = window.TwinningEditor.create(holder, {
    doc: textarea.value, run: () => run(), complete, label: "SPARQL query",
    onChange: () => {
      textarea.value = window.TwinningEditor.text(view);
      if (!settingText && picker.value) { picker.value = ""; showParameters(false); }
      showCode();
    },
  });
  view.contentDOM.setAttribute("aria-describedby", "query-help");
  const queryText = () => window.TwinningEditor.text(view);
  function setQueryText(text) {
    settingText = true;
    window.TwinningEditor.setText(view, text);
    settingText = false;
  }

  function declared(text) {
    const names = new Set();
    for (const m of text.matchAll(/PREFIX\s+([\w.-]*):/gi)) names.add(m[1]);
    return names;
  }

  // The prefixed name of an IRI under the graph's prefixes, or null.
  function prefixed(iri) {
    for (const [name, ns] of prefixes) {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && /^[\w-]+$/.test(local)) return { name, local, text: name + ":" + local };
    }
    return null;
  }

  // An option that writes `text` (a prefixed name, or a prefix alone) and, where the query lacks the prefix's
  // declaration, the PREFIX line at the top.
  function writing(text, prefix) {
    return (editor, completion, start, end) => {
      const declaration = prefix && !declared(editor.state.doc.toString()).has(prefix)
        ? "PREFIX " + prefix + ": <" + setup.prefixes[prefix] + ">\n" : "";
      const changes = [{ from: 0, insert: declaration }, { from: start, to: end, insert: text }];
      editor.dispatch({ changes, selection: { anchor: start + text.length + declaration.length } });
    };
  }

  function termOption(iri, label, detail, info) {
    const name = prefixed(iri);
    const text = name ? name.text : "<" + iri + ">";
    return { label: text, displayLabel: label ? text + " — " + label : text, detail, info,
      apply: writing(text, name && name.name) };
  }

  // Resources whose label matches, from the server's search (GET /search?q=..., JSON {iri, label, type}).
  async function resourcesByLabel(word) {
    try {
      const response = await fetch(BASE + "search?" + new URLSearchParams({ q: word, limit: "20" }),
        { headers: { Accept: "application/json" } });
      if (!response.ok) return [];
      const found = await response.json();
      return found.map((r) => ({ ...termOption(r.iri, r.label, r.type ? compact(r.type) : "resource"), boost: -1 }));
    } catch (error) {
      return [];  // no search on this server: completion of the other kinds goes on
    }
  }

  // One completion source: prefix declarations after PREFIX, prefixes and the ontology's terms while a name is
  // typed, and resources by label once three letters are typed.
  async function complete(context) {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const declaration = /PREFIX\s+([\w.-]*:?)$/i.exec(before);
    if (declaration) {
      return {
        from: context.pos - declaration[1].length,
        options: prefixes.map(([name, ns]) => ({ label: name + ": <" + ns + ">", type: "namespace", detail: "prefix" })),
      };
    }
    const word = context.matchBefore(/[\w-]*:?[\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    if (/^[?$]/.test(line.text[word.from - line.from - 1] || "")) return null;  // a variable, not a name
    const typed = word.text.toLowerCase();
    const options = [];
    // Shorter names first, so that the term typed in full comes before the longer ones that begin with it.
    const terms = setup.terms.slice().sort((a, b) => a.iri.length - b.iri.length || a.iri.localeCompare(b.iri));
    for (const term of terms) {
      const name = prefixed(term.iri);
      const matches = !typed || (name && name.text.toLowerCase().startsWith(typed)) ||
        (name && name.local.toLowerCase().startsWith(typed)) || term.label.toLowerCase().startsWith(typed);
      if (matches) {
        const option = termOption(term.iri, term.label, term.kind === "Class" ? "class" : "property",
          term.definition);
        option.type = term.kind === "Class" ? "class" : "property";
        options.push(option);
      }
    }
    if (!typed.includes(":")) {
      for (const [name, ns] of prefixes) {
        if (name.startsWith(typed)) {
          options.push({ label: name + ":", type: "namespace", detail: ns, apply: writing(name + ":", name) });
        }
      }
    }
    if (word.text.length >= 3 && !typed.includes(":")) options.push(...await resourcesByLabel(word.text));
    return { from: word.from, options, filter: false };
  }

  // ---- named queries, parameters, history ---------------------------------------------------------------------

  function selectedQuery() { return setup.named.find((q) => q.name === picker.value); }

  function showParameters(fill) {
    const query = selectedQuery(), fields = $("parameter-fields");
    fields.textContent = "";
    $("parameters").hidden = !query || query.parameters.length === 0;
    if (!query) return;
    if (fill) setQueryText(query.text);
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
      input.addEventListener("input", showCode);
      fields.append(label, input);
    }
  }

  function namedParameters() {
    const query = selectedQuery(), params = new URLSearchParams();
    for (const p of query.parameters) {
      const value = $("param-" + p.name).value.trim();
      if (value) params.set(p.name, value);
    }
    return params;
  }

  function loadHistory() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch (error) { return []; }
  }

  function remember(text) {
    const kept = [text, ...loadHistory().filter((q) => q !== text)].slice(0, HISTORY_SIZE);
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(kept)); } catch (error) { /* storage full or off */ }
    showHistory();
  }

  function showHistory() {
    const kept = loadHistory();
    const options = kept.map((text, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = text.replace(/^(\s*PREFIX[^\n]*\n)*/i, "").replace(/\s+/g, " ").trim().slice(0, 90);
      return option;
    });
    const first = document.createElement("option");
    first.value = "";
    first.textContent = kept.length ? "— pick one of your last " + kept.length + " —" : "— none yet —";
    $("history").replaceChildren(first, ...options);
  }

  // ---- requests: run, share, download, code ---------------------------------------------------------------------

  // What the current state asks: a named query by GET with its parameters, or the editor's text by POST.
  function currentRequest(format) {
    const query = selectedQuery();
    if (query) {
      const params = namedParameters();
      if (format) params.set("format", format);
      return { url: BASE + "queries/" + query.name + "?" + params, init: { method: "GET" }, named: query };
    }
    const body = new URLSearchParams({ query: queryText() });
    if (format) body.set("format", format);
    return { url: ENDPOINT, init: { method: "POST", body }, named: null };
  }

  // The page address for the current query: a named query by its name and parameters, any other text after "#",
  // which the browser never sends, so a link holds a query of any length.
  function shareAddress(forRun) {
    const query = selectedQuery();
    if (query) {
      const params = namedParameters();
      params.set("name", query.name);
      if (forRun) params.set("run", "1");
      return location.origin + BASE + "query?" + params;
    }
    return location.origin + BASE + "query#" + new URLSearchParams({ query: queryText() });
  }

  function quoted(text, language) {
    if (language === "shell") return "'" + text.replace(/'/g, "'\\''") + "'";
    if (language === "python") return /"""|\\/.test(text) || text.endsWith('"') ? JSON.stringify(text) : '"""' + text + '"""';
    if (language === "r") return /\)"/.test(text) ? JSON.stringify(text) : 'r"(' + text + ')"';
    return /[`\\]|\$\{/.test(text) ? JSON.stringify(text) : "`" + text + "`";
  }

  function snippet(language) {
    const query = selectedQuery();
    if (query) {
      const url = query.url + "?" + namedParameters();
      return {
        curl: "curl -H 'Accept: text/csv' " + quoted(url, "shell"),
        python: "import csv, io, urllib.request\n\nrequest = urllib.request.Request(" + JSON.stringify(url) +
          ", headers={\"Accept\": \"text/csv\"})\nwith urllib.request.urlopen(request) as response:\n" +
          "    rows = list(csv.DictReader(io.StringIO(response.read().decode(\"utf-8\"))))\nprint(rows)",
        r: "rows <- read.csv(" + JSON.stringify(url + (url.endsWith("?") ? "" : "&") + "format=csv") +
          ", encoding = \"UTF-8\")\nprint(rows)",
        javascript: "const response = await fetch(" + JSON.stringify(url) +
          ", { headers: { Accept: \"application/sparql-results+json\" } });\nconst answer = await response.json();\n" +
          "console.log(answer.results.bindings);",
      }[language];
    }
    const text = queryText(), endpoint = setup.endpoint;
    return {
      curl: "curl " + quoted(endpoint, "shell") + " \\\n  -H 'Accept: text/csv' \\\n  --data-urlencode query=" +
        quoted(text, "shell"),
      python: "from SPARQLWrapper import JSON, SPARQLWrapper\n\nquery = " + quoted(text, "python") +
        "\n\nsparql = SPARQLWrapper(" + JSON.stringify(endpoint) + ")\nsparql.setMethod(\"POST\")\n" +
        "sparql.setQuery(query)\nsparql.setReturnFormat(JSON)\nfor row in sparql.queryAndConvert()[\"results\"][\"bindings\"]:\n" +
        "    print({name: term[\"value\"] for name, term in row.items()})",
      r: "library(httr)\n\nquery <- " + quoted(text, "r") + "\n\nresponse <- POST(" + JSON.stringify(endpoint) +
        ", body = list(query = query), encode = \"form\", accept(\"text/csv\"))\nstop_for_status(response)\n" +
        "rows <- read.csv(text = content(response, as = \"text\", encoding = \"UTF-8\"))\nprint(rows)",
      javascript: "const query = " + quoted(text, "javascript") + ";\n\nconst response = await fetch(" +
        JSON.stringify(endpoint) + ", {\n  method: \"POST\",\n  headers: { Accept: \"application/sparql-results+json\" },\n" +
        "  body: new URLSearchParams({ query }),\n});\nconst answer = await response.json();\nconsole.log(answer.results.bindings);",
    }[language];
  }

  function showCode() {
    const tab = document.querySelector("#code-tabs [aria-selected=true]");
    $("code-text").textContent = snippet(tab.dataset.language);
    $("code-panel").setAttribute("aria-labelledby", tab.id);
    showCite();
  }

  // The release-pinned endpoint: the same query there gives the same answer while the release is kept.
  function pinnedEndpoint(releaseId) { return setup.pinned.replace("RELEASE", encodeURIComponent(releaseId)); }

  function showCite(releaseId) {
    const id = releaseId || (answer && answer.release) || (setup.release && setup.release.id);
    if (!id) return;
    const query = selectedQuery();
    const text = query ? query.url + "?" + namedParameters() + " (release " + id + ")"
      : pinnedEndpoint(id) + "?" + new URLSearchParams({ query: queryText() });
    $("cite-text").textContent = text;
    $("cite").hidden = false;
  }

  function selectTab(tabs, tab, focus) {
    for (const other of tabs) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
    }
    if (focus) tab.focus();
  }

  // Arrow keys move between the tabs of a tab list (the ARIA Authoring Practices' tabs pattern).
  function arrowKeys(list, choose) {
    list.addEventListener("keydown", (event) => {
      const tabs = [...list.querySelectorAll("[role=tab]")];
      const at = tabs.indexOf(document.activeElement);
      if (at < 0) return;
      const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      choose(tabs[(next + tabs.length) % tabs.length]);
    });
  }

  async function download(format, suffix) {
    const request = currentRequest(format);
    const response = await fetch(request.url, request.init);
    if (!response.ok) return showError(response.status, await errorBody(response));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "result." + suffix;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }

  function showDownloads(graph) {
    const formats = graph ? setup.formats.graph : setup.formats.results;
    const buttons = Object.entries(formats).map(([name, format]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name.toUpperCase();
      button.dataset.format = name;
      button.title = format.media;
      button.addEventListener("click", () => download(name, format.suffix));
      return button;
    });
    $("download-links").replaceChildren(...buttons);
  }

  // ---- errors -----------------------------------------------------------------------------------------------------

  async function errorBody(response) {
    const type = response.headers.get("Content-Type") || "";
    return type.includes("json") ? response.json() : { error: await response.text() };
  }

  function showError(status, body) {
    const box = $("error");
    box.hidden = false;
    box.textContent = (status ? "Error " + status + ": " : "") + body.error;
    if (body.line && !selectedQuery()) {
      box.textContent += " (line " + body.line + ", column " + body.column + ")";
      window.TwinningEditor.markError(view, body.line, body.column, body.error);
    }
  }

  // ---- the answer ---------------------------------------------------------------------------------------------------

  function compact(iri) {
    const name = prefixed(iri);
    if (name) return name.text;
    return iri.startsWith(ID) ? iri.slice(ID.length) : iri;
  }

  function shownText(term) {
    if (!term) return "";
    return term.type === "uri" ? label(term.value) || compact(term.value) : String(term.value);
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    // Only http(s) IRIs become links: an answer may hold any IRI (IRI("javascript:...") included), and a shared
    // link runs its query at once.
    if (term.type === "uri" && pageOf(term.value)) {
      const a = document.createElement("a");
      a.href = pageOf(term.value);
      a.textContent = shownText(term);
      a.title = term.value;
      td.append(a);
    } else {
      td.textContent = term.type === "triple" ? JSON.stringify(term.value) : term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
      if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)) td.className = "number";
    }
    return td;
  }

  const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function compare(a, b) {
    const numeric = (t) => t && t.type === "literal" && t.datatype && /#(integer|decimal|double|float|int|long|gYear)$/.test(t.datatype);
    if (numeric(a) && numeric(b)) return Number(a.value) - Number(b.value);
    if (!a || !b) return a ? -1 : b ? 1 : 0;
    return shownText(a).localeCompare(shownText(b));
  }

  // The rows that pass the filter, in the chosen order.
  function arrange() {
    const needle = folded($("filter").value.trim());
    shown = needle ? rows.filter((row) => variables.some((v) => row[v] && (folded(shownText(row[v])).includes(needle) ||
      folded(row[v].value).includes(needle)))) : rows.slice();
    if (sort) {
      shown.sort((x, y) => compare(x[sort.variable], y[sort.variable]) * (sort.ascending ? 1 : -1));
    }
  }

  function renderTable() {
    const slice = shown.slice(page * PAGE, (page + 1) * PAGE);
    const table = document.createElement("table");
    const noun = answer.view && answer.view.kind === "triples" ? " triples" : " rows";
    table.createCaption().textContent = shown.length === rows.length ? rows.length + noun
      : shown.length + " of " + rows.length + noun + " match the filter";
    const head = table.createTHead().insertRow();
    for (const v of variables) {
      const th = document.createElement("th");
      th.scope = "col";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = v;
      button.className = "sort";
      button.addEventListener("click", () => {
        sort = { variable: v, ascending: !(sort && sort.variable === v && sort.ascending) };
        page = 0;
        arrange();
        renderTable();
        document.querySelector('#results th[data-variable="' + CSS.escape(v) + '"] button').focus();
      });
      th.dataset.variable = v;
      if (sort && sort.variable === v) th.setAttribute("aria-sort", sort.ascending ? "ascending" : "descending");
      th.append(button);
      head.append(th);
    }
    const body = table.createTBody();
    for (const row of slice) {
      const tr = body.insertRow();
      for (const v of variables) tr.append(cell(row[v]));
    }
    $("results").replaceChildren(table);
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    $("pages").hidden = pages === 1;
    $("page-info").textContent = "page " + (page + 1) + " of " + pages;
    $("previous").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  // The tabs: "Table" and each view of views.js that fits the answer, the best first.
  async function showViews() {
    const views = window.TwinningViews;
    // ready(): the graph's located resources are known, so a column of city IRIs can be offered a map.
    if (views && answer.view && views.ready) await views.ready();
    const names = views && answer.view ? views.fits(answer.view) : [];
    const tabs = ["table", ...names].map((name) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.id = "view-tab-" + name;
      tab.dataset.view = name;
      tab.textContent = name[0].toUpperCase() + name.slice(1);
      tab.setAttribute("aria-controls", name === "table" ? "view-table" : "view-" + name);
      tab.addEventListener("click", () => chooseView(tab));
      return tab;
    });
    $("view-tabs").replaceChildren(...tabs);
    $("view-panels").replaceChildren(...names.map((name) => {
      const panel = document.createElement("div");
      panel.id = "view-" + name;
      panel.setAttribute("role", "tabpanel");
      panel.className = "result-view";
      panel.setAttribute("aria-labelledby", "view-tab-" + name);
      panel.hidden = true;
      return panel;
    }));
    // The table first, as in YASGUI and the Wikidata Query Service, unless the answer was asked as a picture
    // (views.js's preferred: coordinates make a map).
    const preferred = window.TwinningViews && answer.view ? window.TwinningViews.preferred(answer.view) : null;
    await chooseView(tabs.find((tab) => tab.dataset.view === preferred) || tabs[0]);
  }

  async function chooseView(tab, focus) {
    const tabs = [...$("view-tabs").querySelectorAll("[role=tab]")];
    selectTab(tabs, tab, focus);
    $("view-table").hidden = tab.dataset.view !== "table";
    for (const panel of $("view-panels").children) panel.hidden = panel.id !== "view-" + tab.dataset.view;
    const panel = $("view-" + tab.dataset.view);
    if (tab.dataset.view !== "table" && !panel.dataset.drawn) {
      panel.dataset.drawn = "1";
      await window.TwinningViews.render(tab.dataset.view, panel, answer.view);
    }
  }

  function showProvenance(response) {
    const id = response.headers.get("X-Twinning-Release");
    if (!id) return;
    const memento = /<([^>]+)>;\s*rel="memento"/.exec(response.headers.get("Link") || "");
    const pinned = memento ? memento[1] : pinnedEndpoint(id);
    const date = setup.release && setup.release.id === id ? " (" + setup.release.date + ")" : "";
    const line = $("provenance");
    line.replaceChildren("Answer from release ", Object.assign(document.createElement("code"), { textContent: id }),
      date + ". Cite as: NetZeroCities twinning knowledge graph, release " + id + date + ", SPARQL endpoint ",
      Object.assign(document.createElement("a"), { href: pinned, textContent: pinned }),
      ". Licence CC BY 4.0.");
    answer.release = id;
    showCite(id);
  }

  async function run(event) {
    if (event) event.preventDefault();
    $("error").hidden = true;
    window.TwinningEditor.markError(view, 0, 0, null);
    $("answer").hidden = true;
    $("capped").hidden = true;
    $("status").textContent = "Running…";
    const request = currentRequest("");
    history.replaceState(null, "", shareAddress(false));
    if (!request.named) remember(queryText());
    const started = performance.now();
    let response;
    try {
      response = await fetch(request.url, { ...request.init,
        headers: { Accept: "application/sparql-results+json, application/n-triples;q=0.9" } });
    } catch (error) {
      $("status").textContent = "";
      return showError(0, { error: "The server could not be reached: " + error });
    }
    if (!response.ok) {
      $("status").textContent = "";
      return showError(response.status, await errorBody(response));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("Content-Type") || "";
    answer = {};
    rows = [];
    if (type.includes("n-triples")) {
      const triples = window.TwinningRDF.parseNTriples(await response.text());
      answer.view = { kind: "triples", triples };
      variables = ["s", "p", "o"];
      rows = triples;
      $("status").textContent = triples.length + " triples in " + seconds + " s.";
    } else {
      const data = await response.json();
      if ("boolean" in data) {
        variables = [];
        $("status").textContent = "Answer: " + data.boolean + " (in " + seconds + " s).";
      } else {
        variables = data.head.vars;
        rows = data.results.bindings;
        answer.view = { kind: "bindings", vars: variables, rows };
        $("status").textContent = rows.length + " rows in " + seconds + " s.";
      }
    }
    page = 0;
    sort = null;
    $("filter").value = "";
    showDownloads(type.includes("n-triples"));
    showProvenance(response);
    await fetchLabels(rows.flatMap((row) => variables.filter((v) => row[v] && row[v].type === "uri")
      .map((v) => row[v].value)));
    arrange();
    renderTable();
    $("view-table").querySelector(".table-tools").hidden = variables.length === 0;
    $("results").hidden = variables.length === 0;
    $("answer").hidden = false;
    // Shown only once the rows are on screen, so the note never describes an answer still arriving.
    const capped = response.headers.get("X-Twinning-Capped");
    if (capped) {
      $("capped-rows").textContent = capped.replace("rows=", "");
      $("capped").hidden = false;
    }
    await showViews();
  }

  // ---- wiring -------------------------------------------------------------------------------------------------------

  picker.addEventListener("change", () => { showParameters(true); showCode(); });
  $("history").addEventListener("change", () => {
    const text = loadHistory()[Number($("history").value)];
    if ($("history").value !== "" && text !== undefined) {
      picker.value = "";
      showParameters(false);
      setQueryText(text);
    }
  });
  form.addEventListener("submit", run);
  $("share").addEventListener("click", async () => {
    const address = shareAddress(true);
    history.replaceState(null, "", address);
    try {
      await navigator.clipboard.writeText(address);
      $("status").textContent = "Link copied (" + address.length + " characters).";
    } catch (error) {
      $("status").textContent = "The address bar now holds the link to this query.";
    }
  });
  $("filter").addEventListener("input", () => { page = 0; arrange(); renderTable(); });
  $("previous").addEventListener("click", () => { page -= 1; renderTable(); });
  $("next").addEventListener("click", () => { page += 1; renderTable(); });
  const codeTabs = [...document.querySelectorAll("#code-tabs [role=tab]")];
  for (const tab of codeTabs) tab.addEventListener("click", () => { selectTab(codeTabs, tab); showCode(); });
  arrowKeys($("code-tabs"), (tab) => { selectTab(codeTabs, tab, true); showCode(); });
  arrowKeys($("view-tabs"), (tab) => chooseView(tab, true));
  $("code-copy").addEventListener("click", () => navigator.clipboard.writeText($("code-text").textContent)
    .then(() => { $("status").textContent = "Code copied."; }, () => {}));

  // A shared link: the query after "#" (query=...), opened and run; a named query by name in the search part.
  function openFragment() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (!fragment.has("query")) return false;
    picker.value = "";
    showParameters(false);
    setQueryText(fragment.get("query"));
    return true;
  }
  window.addEventListener("hashchange", () => { if (openFragment()) run(); });
  showHistory();
  const shared = openFragment();
  showParameters(false);
  showCode();
  if (shared || new URLSearchParams(location.search).has("run")) run();
})();
