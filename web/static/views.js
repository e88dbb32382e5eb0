// The workbench's pictures of a SPARQL answer: map, chart, network and timeline, drawn as SVG with the vendored d3
// modules (static/vendor/maps/). Every page that draws a picture uses this file, so there is one drawing code.
//
//   TwinningViews.fits(answer)                  -> view names that suit the answer, best first
//   TwinningViews.preferred(answer)             -> the view to show before the table ("map" for coordinates), or null
//   TwinningViews.render(name, element, answer) -> Promise, resolved once the picture is drawn into element
//   TwinningViews.ready()                       -> Promise: the graph's located resources are known (fits can
//                                                  then offer a map for a column of cities given only as IRIs)
//
// It needs static/vendor/maps/maps.min.js loaded before it (the global TwinningVendor).
// An answer is {kind: "bindings", vars, rows: [{var: term}]} or {kind: "triples", triples: [{s, p, o}]}, the terms
// as in SPARQL 1.1 Query Results JSON. Pages that draw a picture on load mark an element with
// data-twinning-view="map" and data-answer="ID" of a <script type="application/json"> holding the answer.
(function () {
  "use strict";
  const d3 = window.TwinningVendor;
  // Paths are taken from this script's own address, so the site works under any prefix a proxy serves it from.
  const ROOT = new URL("../", document.currentScript.src).pathname;
  const ID = "https://w3id.org/nzc-twinning/id/";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  const WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  const NUMBERS = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort"]
    .map((t) => XSD + t));
  const DATES = new Set(["date", "dateTime", "dateTimeStamp", "gYear", "gYearMonth"].map((t) => XSD + t));
  // Okabe and Ito's palette: told apart with every common colour-vision deficiency.
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F6000", "#555555"];
  const NONE = "#555555";
  const MAX_LINKS = 1500;
  const SVG = "http://www.w3.org/2000/svg";
  let serial = 0;

  // ---- terms and columns ----
  const isNumber = (t) => t && t.type !== "uri" && t.type !== "bnode" && NUMBERS.has(t.datatype) && isFinite(+t.value);
  const isIri = (t) => t && (t.type === "uri" || t.type === "bnode");
  function toDate(t) {
    if (!t || t.type === "uri" || t.type === "bnode") return null;
    if (!DATES.has(t.datatype) && !/^\d{4}-\d{2}(-\d{2})?$/.test(t.value)) return null;
    const m = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T(\d{2}):(\d{2}):(\d{2}))?/.exec(t.value);
    return m ? new Date(Date.UTC(+m[1], m[2] ? +m[2] - 1 : 0, m[3] ? +m[3] : 1, +(m[4] || 0), +(m[5] || 0))) : null;
  }
  function wktPoint(t) {
    if (!t || t.datatype !== WKT) return null;
    const m = /POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)/i.exec(t.value);
    return m ? [+m[1], +m[2]] : null;
  }
  // A column "is" a kind when every bound value is of that kind (and at least one is bound).
  function column(rows, name, test) {
    let seen = 0;
    for (const row of rows) {
      if (!row[name]) continue;
      if (!test(row[name])) return false;
      seen++;
    }
    return seen > 0;
  }
  function distinct(rows, name) { return new Set(rows.filter((r) => r[name]).map((r) => r[name].value)); }

  function shortName(iri) { return decodeURIComponent(iri.replace(/[/#]$/, "").split(/[/#]/).pop() || iri); }

  // The column that colours a picture: a cohort, else a small set of groups (type, role, category).
  function colourColumn(answer, exclude) {
    const candidates = answer.vars.filter((v) => !exclude.includes(v) && !/label$/i.test(v));
    const pick = candidates.find((v) => /cohort/i.test(v) && !column(answer.rows, v, isIri))
      || candidates.find((v) => /cohort/i.test(v))
      || candidates.find((v) => /(group|type|role|category|kind|lane)$/i.test(v));
    return pick && distinct(answer.rows, pick).size <= PALETTE.length ? pick : null;
  }
  // Cohort n has the same colour in every picture (the n-th of the palette); other groups take colours in order.
  function colours(answer, name) {
    const values = name ? [...distinct(answer.rows, name)].sort(byNumberOrText) : [];
    const numbered = /cohort/i.test(name || "") && values.every((v) => /^[1-9]\d*$/.test(v));
    const scale = new Map(values.map((v, i) => [v, PALETTE[(numbered ? +v - 1 : i) % PALETTE.length]]));
    const unset = name ? answer.rows.some((r) => !r[name]) : false;
    const items = values.map((v) => ({ colour: scale.get(v), label: legendLabel(name, v) }));
    if (unset && values.length) items.push({ colour: NONE, label: /cohort/i.test(name) ? "no cohort known" : "no " + name });
    return { name, values, items, of: (row) => (name && row[name] ? scale.get(row[name].value) : NONE) };
  }
  function byNumberOrText(a, b) { return isFinite(a) && isFinite(b) ? a - b : String(a).localeCompare(String(b)); }
  function legendLabel(name, value) {
    return /cohort/i.test(name) && isFinite(value) ? "cohort " + value : value.startsWith("http") ? shortName(value) : value;
  }

  // ---- the graph's labels and located resources, asked of this server's own endpoint ----
  function sparql(query) {
    return fetch(ROOT + "sparql", {
      method: "POST", body: new URLSearchParams({ query }),
      headers: { Accept: "application/sparql-results+json" },
    }).then((r) => (r.ok ? r.json() : Promise.reject(new Error("the endpoint answered " + r.status))));
  }
  let located = null, locatedPromise = null;
  function ready() {
    locatedPromise = locatedPromise || sparql(
      "PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
      + "SELECT ?place ?lat ?long (SAMPLE(?l) AS ?label) WHERE { ?place wgs:lat ?lat ; wgs:long ?long "
      + "OPTIONAL { ?place rdfs:label ?l FILTER(langMatches(lang(?l), \"en\")) } } GROUP BY ?place ?lat ?long")
      .then((json) => {
        located = new Map(json.results.bindings.map((b) => [b.place.value,
          { lat: +b.lat.value, long: +b.long.value, label: b.label ? b.label.value : null }]));
        return located;
      }, () => {
        locatedPromise = null;  // asked again next time; meanwhile only places with their own coordinates are drawn
        return new Map();
      });
    return locatedPromise;
  }
  const { labels: fetchLabels, label: knownLabel } = window.TwinningLinks;
  // A cell's words: the row's own label column (pilot -> pilotLabel), else a fetched label, else the IRI's last segment.
  function labelOf(row, name) {
    const own = row[name + "Label"] || row[name + "_label"] || row[name + "Title"];
    const t = row[name];
    if (own) return own.value;
    if (!t) return "";
    if (t.type !== "uri") return t.value;
    return knownLabel(t.value) || (located && located.get(t.value) && located.get(t.value).label) || shortName(t.value);
  }

  // ---- which views fit ----
  function coordinatePairs(answer) {
    const pairs = [];
    for (const lat of answer.vars) {
      const m = /^(.*?)(lat|latitude)$/i.exec(lat);
      if (!m) continue;
      const long = answer.vars.find((v) => v !== lat && new RegExp("^" + m[1] + "(long|lon|lng|longitude)$", "i").test(v));
      if (long && column(answer.rows, lat, isNumber) && column(answer.rows, long, isNumber)) pairs.push({ prefix: m[1], lat, long });
    }
    return pairs;
  }
  function iriColumns(answer) { return answer.vars.filter((v) => column(answer.rows, v, isIri)); }
  function locatedColumns(answer) {
    return iriColumns(answer).filter((v) => answer.rows.some((r) => r[v] && (located ? located.has(r[v].value)
      : r[v].value.startsWith(ID + "city/"))));
  }
  // Numbers to chart: not coordinates, nor numbers that name things (cohortNumber, sourceId).
  function numberColumns(answer) {
    return answer.vars.filter((v) => column(answer.rows, v, isNumber) && !/(lat|latitude|long|lon|lng|longitude)$/i.test(v)
      && !/.(Number|Id|ID)$/.test(v));
  }
  function dateColumns(answer) { return answer.vars.filter((v) => column(answer.rows, v, (t) => toDate(t) !== null)); }

  function fits(answer) {
    if (answer.kind === "triples") return answer.triples.length ? ["network"] : [];
    if (answer.kind !== "bindings" || !answer.rows.length) return [];
    const views = [];
    const wkt = answer.vars.some((v) => column(answer.rows, v, (t) => wktPoint(t) !== null));
    if (wkt || coordinatePairs(answer).length || locatedColumns(answer).length) views.push("map");
    const numbers = numberColumns(answer), dates = dateColumns(answer);
    const categories = answer.vars.filter((v) => !numbers.includes(v) && answer.rows.some((r) => r[v]));
    if (numbers.length && categories.length) views.push("chart");
    if (dates.length) views.push("timeline");
    if (iriColumns(answer).length >= 2) views.push("network");
    // A chart first when the numbers are the point of the answer (few rows, nothing to place).
    if (views[0] === "map" && views.includes("chart") && !coordinatePairs(answer).length && !wkt && numbers.length) {
      views.splice(views.indexOf("chart"), 1);
      views.unshift("chart");
    }
    return views;
  }

  // The view to show before the table, or null: a map when the answer carries coordinates (the query asked for
  // places on a map), as the Wikidata Query Service's defaultView comment would say.
  function preferred(answer) {
    if (answer.kind !== "bindings" || !answer.rows.length) return null;
    const wkt = answer.vars.some((v) => column(answer.rows, v, (t) => wktPoint(t) !== null));
    return wkt || coordinatePairs(answer).length ? "map" : null;
  }

  // ---- shared drawing helpers ----
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }
  function titled(node, text) { el("title", {}, node).textContent = text; return node; }
  function figure(element, kind, title, width, height) {
    element.textContent = "";
    const id = "tw-" + kind + "-" + (++serial);
    // A figure, not an img: an img's children are hidden from assistive technology, and these hold links.
    const svg = el("svg", { class: "view " + kind, viewBox: "0 0 " + width + " " + height, role: "figure",
      "aria-labelledby": id + "-title" });
    el("title", { id: id + "-title" }, svg).textContent = title;
    element.appendChild(svg);
    return svg;
  }
  // A link to a resource of the graph: focusable, with a tooltip that says what it is.
  function node(parent, iri, title, cls) {
    const href = iri && window.TwinningLinks.page(iri);
    const a = el(href ? "a" : "g", { class: cls, href, tabindex: href ? null : 0 }, parent);
    titled(a, title);
    return a;
  }
  function legend(element, items, heading) {
    if (!items.length) return;
    const list = document.createElement("ul");
    list.className = "view-legend";
    list.setAttribute("aria-label", heading);
    for (const item of items) {
      const li = document.createElement("li");
      const key = document.createElement("span");
      key.className = "key " + (item.shape || "");
      key.style.background = item.colour;
      key.setAttribute("aria-hidden", "true");
      li.append(key, " " + item.label);
      list.appendChild(li);
    }
    element.appendChild(list);
  }

  // ---- map ----
  let atlas = null;
  function countries() {
    atlas = atlas || fetch(ROOT + "static/vendor/maps/countries-50m.json").then((r) => r.json());
    return atlas;
  }
  function mapModel(answer) {
    const pairs = coordinatePairs(answer);
    const wkts = answer.vars.filter((v) => column(answer.rows, v, (t) => wktPoint(t) !== null));
    const cities = pairs.length || wkts.length ? [] : locatedColumns(answer);
    const iris = iriColumns(answer);
    const colourBy = colourColumn(answer, [...iris, ...pairs.flatMap((p) => [p.lat, p.long])]);
    const paint = colours(answer, colourBy);
    const markers = new Map(), lines = [];
    // The resource a coordinate pair belongs to: the located IRI column named like it (twinLat -> twinCity).
    const ownerOf = (prefix) => iris.find((v) => prefix && v.toLowerCase().startsWith(prefix.toLowerCase())
      && answer.rows.some((r) => r[v] && located && located.has(r[v].value)))
      || iris.find((v) => prefix && v.toLowerCase().startsWith(prefix.toLowerCase()))
      || (!prefix && (iris.find((v) => answer.rows.some((r) => r[v] && located && located.has(r[v].value))) || iris[0]));
    const sources = [
      ...pairs.map((p) => ({ name: p.prefix || null, owner: ownerOf(p.prefix),
        at: (row) => (row[p.lat] && row[p.long] ? [+row[p.long].value, +row[p.lat].value] : null),
        label: (row) => (row[p.prefix + "Label"] || row[p.prefix + "label"] || (!p.prefix && row.label) || {}).value })),
      ...wkts.map((w) => ({ name: w, owner: ownerOf(w.replace(/(wkt|geometry|geo|point|coords?)$/i, "")),
        at: (row) => wktPoint(row[w]), label: () => null })),
      ...cities.map((c) => ({ name: c, owner: c,
        at: (row) => { const p = row[c] && located && located.get(row[c].value); return p ? [p.long, p.lat] : null; },
        label: () => null })),
    ];
    for (const row of answer.rows) {
      const here = [];
      for (const source of sources) {
        const at = source.at(row);
        if (!at) continue;
        const iri = source.owner && row[source.owner] ? row[source.owner].value : null;
        const key = at[0].toFixed(4) + "," + at[1].toFixed(4);
        const label = source.label(row) || (iri ? labelOf(row, source.owner) : key);
        const marker = markers.get(key) || { key, at, iri, label, roles: new Set(), colour: NONE, rows: 0 };
        if (marker.colour === NONE) marker.colour = paint.of(row);  // the first row that has a colour gives it
        // A role: the columns' prefix (twin, lead), else the row's own role column (pilot, twin).
        const role = source.name || (row.role && row.role.value);
        if (role) marker.roles.add(role);
        marker.rows++;
        markers.set(key, marker);
        if (!here.includes(marker)) here.push(marker);
      }
      // Two places in one row are a pairing: a line between them.
      for (let i = 1; i < here.length; i++) {
        lines.push({ from: here[0], to: here[i], colour: paint.of(row), group: colourBy && row[colourBy] ? row[colourBy].value : "",
          title: here[0].label + " – " + here[i].label + (colourBy && row[colourBy] ? " (" + legendLabel(colourBy, row[colourBy].value) + ")" : "") });
      }
    }
    const unique = new Map(lines.map((l) => [l.from.key + "|" + l.to.key + "|" + l.group, l]));
    return { markers: [...markers.values()], lines: [...unique.values()], paint };
  }

  const leads = (marker) => marker.roles.has("lead") || marker.roles.has("pilot");
  async function renderMap(element, answer, options) {
    await Promise.all([ready(), countries()]);
    if (answer.kind === "bindings") await fetchLabels(locatedColumns(answer).flatMap((v) => answer.rows.filter((r) => r[v]).map((r) => r[v].value)));
    const topo = await countries();
    const model = mapModel(answer);
    if (!model.markers.length) {
      element.textContent = "No place in this answer has coordinates the map can read.";
      return { markers: 0 };
    }
    const W = options.width || 900, H = options.height || Math.round(W * 0.62);
    const svg = figure(element, "map", options.title || "Map of " + model.markers.length + " places", W, H);
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("aria-describedby", svg.querySelector("title").id.replace("title", "help"));
    // Fit the projection to the places, with at least a few degrees around them (one city alone is not a point).
    const longs = model.markers.map((m) => m.at[0]), lats = model.markers.map((m) => m.at[1]);
    const mid = (a) => (Math.min(...a) + Math.max(...a)) / 2;
    const span = Math.max(Math.max(...longs) - Math.min(...longs), (Math.max(...lats) - Math.min(...lats)) * 1.6, options.minSpan || 8) / 2 * 1.15;
    const cx = longs.length ? mid(longs) : 10, cy = lats.length ? mid(lats) : 50;
    const box = { type: "MultiPoint", coordinates: [[cx - span, cy - span / 1.6], [cx + span, cy + span / 1.6], [cx - span, cy + span / 1.6], [cx + span, cy - span / 1.6]] };
    const projection = d3.geoConicConformal().rotate([-cx, 0]).parallels([Math.max(cy - 10, 5), Math.min(cy + 10, 80)])
      .fitExtent([[12, 12], [W - 12, H - 12]], box).clipExtent([[-2 * W, -2 * H], [3 * W, 3 * H]]);
    const path = d3.geoPath(projection);
    el("rect", { class: "sea", width: W, height: H }, svg);
    const world = el("g", { class: "zoomed" }, svg);
    const land = d3.feature(topo, topo.objects.countries);
    const countriesLayer = el("g", { class: "countries", "aria-hidden": "true" }, world);
    for (const f of land.features) {
      const d = path(f);
      if (d) el("path", { d, class: "country", "data-name": f.properties.name }, countriesLayer);
    }
    el("path", { class: "borders", "aria-hidden": "true",
      d: path(d3.mesh(topo, topo.objects.countries, (a, b) => a !== b)) }, world);
    const linesLayer = el("g", { class: "pairings" }, world);
    for (const line of model.lines) {
      const d = path({ type: "LineString", coordinates: [line.from.at, line.to.at] });
      if (d) titled(el("path", { d, stroke: line.colour, "data-group": line.group, class: "pairing" }, linesLayer), line.title);
    }
    const markersLayer = el("g", { class: "markers" }, world);
    const many = model.markers.length > (options.labelsUpTo || 12);
    const ordered = model.markers.slice().sort((a, b) => a.label.localeCompare(b.label));
    for (const m of ordered) {
      const [x, y] = projection(m.at);
      const focus = options.focus && m.iri === options.focus;
      const roles = [...m.roles].join(", ");
      const a = node(markersLayer, m.iri, m.label + (roles ? " (" + roles + ")" : ""),
        "marker" + (many && !focus ? "" : " labelled") + (focus ? " focus" : "") + (leads(m) ? " leads" : ""));
      a.setAttribute("data-city", m.iri && m.iri.startsWith(ID + "city/") ? m.iri.slice(ID.length + 5) : m.key);
      a.setAttribute("data-role", roles);
      el("circle", { cx: x, cy: y, r: focus ? 7 : 5, fill: m.colour }, a);
      el("text", { x: x + 8, y: y + 4, class: "label" }, a).textContent = m.label;
    }
    // Zoom and pan: wheel, drag, double click and touch (d3-zoom); keys when the map has focus.
    const zoom = d3.zoom().scaleExtent([1, 60]).translateExtent([[-W, -H], [2 * W, 2 * H]])
      .on("zoom", (event) => {
        world.setAttribute("transform", event.transform.toString());
        svg.style.setProperty("--k", event.transform.k);
        for (const c of markersLayer.querySelectorAll("circle")) c.setAttribute("r", (c.closest(".focus") ? 7 : 5) / Math.sqrt(event.transform.k));
        for (const t of markersLayer.querySelectorAll("text")) {
          t.setAttribute("font-size", 12 / event.transform.k);
          const c = t.previousSibling;
          t.setAttribute("x", +c.getAttribute("cx") + 8 / event.transform.k);
          t.setAttribute("y", +c.getAttribute("cy") + 4 / event.transform.k);
        }
      });
    const selection = d3.select(svg).call(zoom);
    const step = 60;
    svg.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (event.target !== svg) return;
      if (moves[event.key]) {
        const k = d3.zoomTransform(svg).k;
        zoom.translateBy(selection, moves[event.key][0] / k, moves[event.key][1] / k);
      } else if (event.key === "+" || event.key === "=") zoom.scaleBy(selection, 1.5);
      else if (event.key === "-" || event.key === "_") zoom.scaleBy(selection, 1 / 1.5);
      else if (event.key === "0") zoom.transform(selection, d3.zoomIdentity);
      else return;
      event.preventDefault();
    });
    // A place reached by Tab while zoomed in but out of sight: the map pans to it. (Listened for on the svg, which
    // is focusable anyway: Chromium makes any SVG element with a focus listener a Tab stop.)
    svg.addEventListener("focusin", (event) => {
      const marker = event.target.closest && event.target.closest(".marker");
      const circle = marker && marker.querySelector("circle");
      if (!circle) return;
      const t = d3.zoomTransform(svg), x = +circle.getAttribute("cx"), y = +circle.getAttribute("cy");
      const [sx, sy] = t.apply([x, y]);
      if (sx < 20 || sx > W - 20 || sy < 20 || sy > H - 20) zoom.translateTo(selection, x, y);
    });
    const controls = document.createElement("div");
    controls.className = "view-controls";
    const help = document.createElement("p");
    help.id = svg.querySelector("title").id.replace("title", "help");
    help.className = "view-help";
    help.textContent = "Drag or use the arrow keys to pan, the wheel or + and − to zoom, 0 to reset. "
      + "Tab reaches each place; its name shows on hover and focus.";
    for (const [text, label, act] of [["+", "Zoom in", () => zoom.scaleBy(selection, 1.5)],
      ["−", "Zoom out", () => zoom.scaleBy(selection, 1 / 1.5)], ["Reset", "Reset the map", () => zoom.transform(selection, d3.zoomIdentity)]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", act);
      controls.appendChild(button);
    }
    controls.appendChild(help);
    element.appendChild(controls);
    const rings = model.markers.some(leads) ? [{ colour: "#ffffff", shape: "ring", label: "ringed: leads a pilot activity" }] : [];
    legend(element, [...model.paint.items, ...rings], "Colours by " + model.paint.name);
    return { svg, zoom, markers: model.markers.length, lines: model.lines.length };
  }

  // ---- network ----
  function networkModel(answer) {
    const nodes = new Map(), edges = new Map();
    const add = (t, label, group, layer) => {
      const key = t.type + ":" + t.value;
      const n = nodes.get(key) || { key, iri: t.type === "uri" ? t.value : null, label, group, layers: new Set(), degree: 0 };
      n.layers.add(layer);
      if (!n.group && group) n.group = group;
      nodes.set(key, n);
      return n;
    };
    const link = (a, b, group, title) => {
      if (a === b) return;
      const key = a.key + "|" + b.key;
      if (!edges.has(key)) { edges.set(key, { source: a, target: b, group, title }); a.degree++; b.degree++; }
    };
    let layers = 0, colourBy = null;
    if (answer.kind === "triples") {
      const labels = new Map(answer.triples.filter((t) => t.p.value === RDFS_LABEL).map((t) => [t.s.value, t.o.value]));
      for (const t of answer.triples) {
        if (!isIri(t.o)) continue;
        const a = add(t.s, labels.get(t.s.value) || knownLabel(t.s.value) || shortName(t.s.value), "", 0);
        const b = add(t.o, labels.get(t.o.value) || knownLabel(t.o.value) || shortName(t.o.value), "", 0);
        link(a, b, "", a.label + " → " + shortName(t.p.value) + " → " + b.label);
      }
    } else {
      const cols = iriColumns(answer);
      layers = cols.length;
      colourBy = colourColumn(answer, cols);
      for (const row of answer.rows) {
        const group = colourBy && row[colourBy] ? row[colourBy].value : "";
        const here = cols.filter((c) => row[c]).map((c) => add(row[c], labelOf(row, c), group, cols.indexOf(c)));
        for (let i = 1; i < here.length; i++) link(here[i - 1], here[i], group, here[i - 1].label + " – " + here[i].label);
      }
    }
    // A picture of more links than a page can lay out in a moment would say nothing: the first ones, and a note.
    const all = [...edges.values()], shown = all.slice(0, MAX_LINKS);
    const used = new Set(shown.flatMap((e) => [e.source, e.target]));
    return { nodes: [...nodes.values()].filter((n) => used.has(n)), edges: shown, layers, colourBy, total: all.length };
  }

  // Two columns, each group of linked nodes (a pilot and its twins) in a band of its own, its nodes ordered by the
  // mean position of their neighbours: lines cross only where the pairings themselves force it.
  function layered(model, W) {
    const left = model.nodes.filter((n) => n.layers.has(0)), right = model.nodes.filter((n) => !n.layers.has(0));
    const parent = new Map(model.nodes.map((n) => [n, n]));
    const find = (n) => (parent.get(n) === n ? n : find(parent.get(n)));
    for (const e of model.edges) parent.set(find(e.source), find(e.target));
    const neighbours = new Map(model.nodes.map((n) => [n, []]));
    for (const e of model.edges) { neighbours.get(e.source).push(e.target); neighbours.get(e.target).push(e.source); }
    const groups = new Map();
    for (const n of model.nodes) {
      const root = find(n);
      if (!groups.has(root)) groups.set(root, { left: [], right: [] });
      groups.get(root)[left.includes(n) ? "left" : "right"].push(n);
    }
    const byLabel = (a, b) => a.label.localeCompare(b.label);
    const ordered = [...groups.values()].map((g) => {
      g.left.sort(byLabel);
      const mean = (n, side) => {
        const ns = neighbours.get(n).map((m) => side.indexOf(m)).filter((i) => i >= 0);
        return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : 0;
      };
      for (let sweep = 0; sweep < 4; sweep++) {  // barycentre sweeps, right from left then left from right
        g.right.sort((a, b) => mean(a, g.left) - mean(b, g.left) || byLabel(a, b));
        g.left.sort((a, b) => mean(a, g.right) - mean(b, g.right) || byLabel(a, b));
      }
      g.right.sort((a, b) => mean(a, g.left) - mean(b, g.left) || byLabel(a, b));
      g.group = (g.left[0] || g.right[0]).group || "";
      return g;
    }).sort((a, b) => byNumberOrText(a.group || "~", b.group || "~") || byLabel(a.left[0] || a.right[0], b.left[0] || b.right[0]));
    const ROW = 22;
    let y = 20;
    for (const g of ordered) {
      const rows = Math.max(g.left.length, g.right.length);
      const place = (side, x) => side.forEach((n, i) => { n.x = x; n.y = y + (i + (rows - side.length) / 2) * ROW; });
      place(g.left, W * 0.4);
      place(g.right, W * 0.6);
      y += rows * ROW + 8;
    }
    return y + 12;
  }

  function forced(model, W, H) {
    const sim = d3.forceSimulation(model.nodes)
      .force("link", d3.forceLink(model.edges).distance(70))
      .force("charge", d3.forceManyBody().strength(-220))
      .force("x", d3.forceX(W / 2).strength(0.05)).force("y", d3.forceY(H / 2).strength(0.05))
      .force("collide", d3.forceCollide(22)).stop();
    for (let i = 0; i < 300; i++) sim.tick();  // laid out once, not animated: the same answer draws the same picture
    const [x0, x1] = d3.extent(model.nodes, (n) => n.x), [y0, y1] = d3.extent(model.nodes, (n) => n.y);
    const k = Math.min((W - 220) / Math.max(x1 - x0, 1), (H - 40) / Math.max(y1 - y0, 1), 2);
    for (const n of model.nodes) { n.x = 110 + (n.x - x0) * k; n.y = 20 + (n.y - y0) * k; }
  }

  async function renderNetwork(element, answer, options) {
    const iris = answer.kind === "triples" ? answer.triples.flatMap((t) => [t.s, t.o]).filter((t) => t.type === "uri").map((t) => t.value)
      : iriColumns(answer).filter((c) => !answer.vars.includes(c + "Label")).flatMap((c) => answer.rows.filter((r) => r[c] && r[c].type === "uri").map((r) => r[c].value));
    await fetchLabels(iris);
    const model = networkModel(answer);
    const W = options.width || 900;
    // Two columns when the answer links two kinds of thing that never share a node (pilots and twin cities).
    const twoSided = model.layers === 2 && model.nodes.every((n) => n.layers.size === 1);
    let H;
    if (twoSided) H = layered(model, W);
    else { H = Math.max(400, Math.min(900, model.nodes.length * 12)); forced(model, W, H); }
    const svg = figure(element, "network", options.title || "Network of " + model.nodes.length + " resources and "
      + model.edges.length + " links", W, H);
    if (model.total > model.edges.length) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = "Showing the first " + model.edges.length + " of " + model.total + " links.";
      element.prepend(note);
    }
    const paint = colours(answer.kind === "bindings" ? answer : { rows: [] }, model.colourBy);
    const colourOf = (group) => (model.colourBy && group ? paint.of({ [model.colourBy]: { value: group } }) : NONE);
    const edgesLayer = el("g", { class: "edges" }, svg);
    for (const e of model.edges) {
      titled(el("line", { class: "edge", x1: e.source.x, y1: e.source.y, x2: e.target.x, y2: e.target.y, stroke: colourOf(e.group),
        "data-source": e.source.key, "data-target": e.target.key }, edgesLayer), e.title);
    }
    const nodesLayer = el("g", { class: "nodes" }, svg);
    const order = model.nodes.slice().sort((a, b) => a.y - b.y || a.x - b.x);  // Tab goes down the picture
    for (const n of order) {
      const side = twoSided ? (n.layers.has(0) ? "left" : "right") : "free";
      const a = node(nodesLayer, n.iri, n.label + (n.degree ? " (" + n.degree + " link" + (n.degree > 1 ? "s" : "") + ")" : ""), "node " + side);
      a.setAttribute("data-key", n.key);
      el("circle", { cx: n.x, cy: n.y, r: side === "left" ? 6 : 5, fill: colourOf(n.group) }, a);
      const text = el("text", { x: side === "left" ? n.x - 10 : n.x + 9, y: n.y + 4, "text-anchor": side === "left" ? "end" : "start" }, a);
      text.textContent = n.label.length > 44 ? n.label.slice(0, 42) + "…" : n.label;
    }
    legend(element, paint.items, "Colours by " + model.colourBy);
    return { svg, nodes: model.nodes.length, edges: model.edges.length };
  }

  // ---- chart ----
  async function renderChart(element, answer, options) {
    const numbers = numberColumns(answer), dates = dateColumns(answer);
    // Bars by category when there is one (a label column stands for its resource), else a line through time.
    const words = answer.vars.filter((v) => !numbers.includes(v) && !dates.includes(v) && answer.rows.some((r) => r[v]));
    const category = words.find((v) => !/label$/i.test(v)) || words[0];
    const byDate = !category && dates.length > 0;
    const series = numbers.slice(0, 6);
    await fetchLabels(answer.rows.filter((r) => r[category] && r[category].type === "uri" && !answer.vars.includes(category + "Label")).map((r) => r[category].value));
    const W = options.width || 900;
    const paint = (i) => PALETTE[i % PALETTE.length];
    let svg;
    if (byDate) {
      const x = dates[0];
      const points = answer.rows.filter((r) => r[x]).map((r) => ({ date: toDate(r[x]), row: r })).sort((a, b) => a.date - b.date);
      const H = options.height || 380;
      svg = figure(element, "chart", options.title || series.join(", ") + " by " + x, W, H);
      const sx = d3.scaleUtc().domain(d3.extent(points, (p) => p.date)).nice().range([60, W - 20]);
      const sy = d3.scaleLinear().domain([Math.min(0, d3.min(points, (p) => d3.min(series, (s) => (p.row[s] ? +p.row[s].value : 0)))),
        d3.max(points, (p) => d3.max(series, (s) => (p.row[s] ? +p.row[s].value : 0)))]).nice().range([H - 40, 20]);
      d3.select(el("g", { class: "axis x", transform: "translate(0," + (H - 40) + ")" }, svg)).call(d3.axisBottom(sx).ticks(8));
      d3.select(el("g", { class: "axis y", transform: "translate(60,0)" }, svg)).call(d3.axisLeft(sy).ticks(6));
      series.forEach((s, i) => {
        const own = points.filter((p) => p.row[s]);
        el("path", { class: "series", fill: "none", stroke: paint(i), d: d3.line().x((p) => sx(p.date)).y((p) => sy(+p.row[s].value))(own) }, svg);
        for (const p of own) {
          titled(el("circle", { class: "point", cx: sx(p.date), cy: sy(+p.row[s].value), r: 4, fill: paint(i), tabindex: 0 }, svg),
            s + " " + p.row[s].value + " on " + p.row[x].value + (category ? " (" + labelOf(p.row, category) + ")" : ""));
        }
      });
    } else {
      const bars = answer.rows.map((r, i) => ({ name: labelOf(r, category) || "(none)", row: r, i }));
      const band = 26 * Math.max(series.length * 0.6, 1);
      const H = options.height || 40 + bars.length * band;
      const longest = Math.min(d3.max(bars, (b) => b.name.length) || 4, 35);
      const left = 16 + longest * 7;  // room for the longest name shown, at about 7 px a character
      svg = figure(element, "chart", options.title || series.join(", ") + " by " + category, W, H);
      const sy = d3.scaleBand().domain(bars.map((b) => b.i)).range([10, H - 30]).padding(0.2);
      const top = d3.max(bars, (b) => d3.max(series, (s) => (b.row[s] ? +b.row[s].value : 0)));
      const low = d3.min(bars, (b) => d3.min(series, (s) => (b.row[s] ? +b.row[s].value : 0)));
      const sx = d3.scaleLinear().domain([Math.min(0, low), Math.max(top, 0)]).nice().range([left, W - 60]);
      const inner = d3.scaleBand().domain(series).range([0, sy.bandwidth()]).padding(0.05);
      d3.select(el("g", { class: "axis x", transform: "translate(0," + (H - 30) + ")" }, svg)).call(d3.axisBottom(sx).ticks(8));
      const names = el("g", { class: "categories" }, svg);
      for (const b of bars) {
        el("text", { x: left - 6, y: sy(b.i) + sy.bandwidth() / 2 + 4, "text-anchor": "end" }, names).textContent =
          b.name.length > 35 ? b.name.slice(0, 34) + "…" : b.name;
        series.forEach((s, i) => {
          if (!b.row[s]) return;
          const v = +b.row[s].value;
          const bar = titled(el("rect", { class: "bar", x: sx(Math.min(0, v)), y: sy(b.i) + inner(s), width: Math.max(Math.abs(sx(v) - sx(0)), 1),
            height: inner.bandwidth(), fill: paint(i), tabindex: 0, "data-value": v }, svg), b.name + ": " + s + " " + b.row[s].value);
          bar.setAttribute("aria-label", b.name + ": " + s + " " + b.row[s].value);
          el("text", { x: sx(Math.max(0, v)) + 4, y: sy(b.i) + inner(s) + inner.bandwidth() / 2 + 4, class: "value" }, svg).textContent = b.row[s].value;
        });
      }
    }
    if (series.length > 1) legend(element, series.map((s, i) => ({ colour: paint(i), label: s })), "Series");
    return { svg };
  }

  // ---- timeline ----
  async function renderTimeline(element, answer, options) {
    const dates = dateColumns(answer);
    const start = dates.find((v) => /start|begin|from/i.test(v)) || dates[0];
    const end = dates.find((v) => v !== start && /end|until|to$/i.test(v));
    const iri = iriColumns(answer)[0];
    const name = answer.vars.find((v) => /(label|title|name)$/i.test(v) && !/lane/i.test(v)) || iri;
    const laneBy = answer.vars.find((v) => v !== name && /lane/i.test(v))
      || answer.vars.find((v) => v !== name && /(type|group|category|kind)$/i.test(v) && distinct(answer.rows, v).size <= 12);
    const colourBy = colourColumn(answer, [iri, laneBy, start, end, name].filter(Boolean));
    const paint = colours(answer, colourBy);
    if (iri) await fetchLabels(answer.rows.filter((r) => r[iri] && r[iri].type === "uri").map((r) => r[iri].value));
    const items = answer.rows.filter((r) => toDate(r[start])).map((r) => ({
      row: r, from: toDate(r[start]), to: end && toDate(r[end]) > toDate(r[start]) ? toDate(r[end]) : null,
      lane: laneBy && r[laneBy] ? r[laneBy].value : "", label: name ? labelOf(r, name) : r[start].value }));
    const laneNames = [...new Set(items.map((i) => i.lane))];
    const W = options.width || 900, LEFT = 170, SUB = 16;
    const lo = d3.min(items, (i) => i.from), hi = d3.max(items, (i) => i.to || i.from);
    const sx = d3.scaleUtc().domain([lo, hi]).nice().range([LEFT, W - 20]);
    // Within a lane, items that would overlap go to the next sub-row (greedy interval packing).
    let y = 14;
    const lanes = laneNames.map((lane) => {
      const ends = [];
      const own = items.filter((i) => i.lane === lane).sort((a, b) => a.from - b.from);
      for (const item of own) {
        const x0 = sx(item.from), x1 = Math.max(item.to ? sx(item.to) : x0, x0 + 12);
        let sub = ends.findIndex((e) => e < x0 - 2);
        if (sub < 0) { sub = ends.length; ends.push(0); }
        ends[sub] = x1;
        item.sub = sub;
      }
      const band = { lane, y, rows: Math.max(ends.length, 1) };
      own.forEach((item) => { item.y = y + 8 + item.sub * SUB; });
      y += band.rows * SUB + 14;
      return band;
    });
    const H = y + 30;
    const svg = figure(element, "timeline", options.title || "Timeline of " + items.length + " dated rows", W, H);
    d3.select(el("g", { class: "axis x", transform: "translate(0," + (H - 26) + ")" }, svg)).call(d3.axisBottom(sx).ticks(10));
    const grid = el("g", { class: "years", "aria-hidden": "true" }, svg);
    for (const tick of sx.ticks(10)) el("line", { x1: sx(tick), x2: sx(tick), y1: 4, y2: H - 26 }, grid);
    for (const band of lanes) {
      if (laneBy) el("text", { x: 4, y: band.y + 12, class: "lane" }, svg).textContent = band.lane.length > 26 ? band.lane.slice(0, 24) + "…" : band.lane;
      el("line", { x1: 0, x2: W, y1: band.y + band.rows * SUB + 6, y2: band.y + band.rows * SUB + 6, class: "lane-rule" }, svg);
    }
    const layer = el("g", { class: "items" }, svg);
    for (const item of items.sort((a, b) => a.y - b.y || a.from - b.from)) {
      const when = item.row[start].value + (item.to ? " to " + item.row[end].value : "");
      const a = node(layer, iri && item.row[iri] ? item.row[iri].value : null, when + ": " + item.label, "item");
      const colour = paint.of(item.row);
      if (item.to) el("rect", { x: sx(item.from), y: item.y - 5, width: Math.max(sx(item.to) - sx(item.from), 6), height: 10, rx: 3, fill: colour, class: "span" }, a);
      else el("circle", { cx: sx(item.from), cy: item.y, r: 5, fill: colour, class: "moment" }, a);
    }
    legend(element, paint.items, "Colours by " + colourBy);
    return { svg };
  }

  const RENDERERS = { map: renderMap, chart: renderChart, network: renderNetwork, timeline: renderTimeline };
  function render(name, element, answer, options) {
    if (!RENDERERS[name]) return Promise.reject(new Error("no view named " + name));
    element.setAttribute("aria-busy", "true");
    return RENDERERS[name](element, answer, options || {}).finally(() => element.removeAttribute("aria-busy"));
  }

  window.TwinningViews = { fits, preferred, render, ready };
  // Asked at once, so that fits() knows the located resources by the time an answer comes (until then it takes
  // the graph's city IRIs for located ones).
  ready();

  // Pages that carry their answer: <div data-twinning-view="map" data-answer="id-of-a-json-script">.
  function drawMarked() {
    for (const element of document.querySelectorAll("[data-twinning-view]")) {
      const answer = JSON.parse(document.getElementById(element.dataset.answer).textContent);
      const options = element.dataset.options ? JSON.parse(element.dataset.options) : {};
      render(element.dataset.twinningView, element, answer, options)
        .then(() => element.setAttribute("data-drawn", "true"))
        .catch((error) => { element.textContent = "The picture could not be drawn: " + error.message; element.setAttribute("data-drawn", "error"); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawMarked);
  else drawMarked();
})();
