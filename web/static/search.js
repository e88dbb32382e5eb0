// Suggestions while typing in the header's search box: an ARIA 1.2 combobox with a listbox popup (arrow keys move,
// Enter opens, Escape closes). Asks only this server's /search; without JavaScript the form still submits to it.
(function () {
  "use strict";
  const form = document.querySelector("form.site-search");
  if (!form) return;
  const input = form.querySelector("input[role=combobox]");
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const base = form.dataset.base;  // the site's root ("/" or a proxy's prefix, "/twinning/"), so links stay inside it
  let options = [], active = -1, asked = 0, timer = null;

  function href(iri) {  // never a javascript: link
    return window.TwinningLinks.page(iri) || base + "search?q=" + encodeURIComponent(iri);
  }

  function typeName(iri) {
    if (!iri) return "resource";
    return iri.includes("#") ? iri.split("#").pop() : iri.split("/").pop();
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    options = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    options.forEach((option, i) => option.element.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
    input.setAttribute("aria-activedescendant", options[index].element.id);
    options[index].element.scrollIntoView({block: "nearest"});
  }

  function show(hits) {
    close();
    if (hits.length === 0) return;
    hits.forEach((hit, i) => {
      const element = document.createElement("li");
      element.id = list.id + "-" + i;
      element.setAttribute("role", "option");
      element.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.textContent = hit.label;
      const kind = document.createElement("small");
      kind.textContent = " " + typeName(hit.type);
      element.append(name, kind);
      // mousedown, not click: it comes before the input's blur closes the list
      element.addEventListener("mousedown", (event) => { event.preventDefault(); location.href = href(hit.iri); });
      list.append(element);
      options.push({element, hit});
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function suggest() {
    const text = input.value.trim();
    const ticket = ++asked;
    if (!text) { close(); return; }
    const url = form.getAttribute("action") + "?" + new URLSearchParams({q: text, limit: "8"});
    try {
      const response = await fetch(url, {headers: {Accept: "application/json"}});
      const hits = response.ok ? await response.json() : [];
      if (ticket === asked) show(hits);  // an older answer arriving late is dropped
    } catch (error) {
      if (ticket === asked) close();
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (options.length === 0) return;
      event.preventDefault();
      // -1 is the text itself: moving past either end of the list comes back to it
      const next = active + (event.key === "ArrowDown" ? 1 : -1);
      highlight(next >= options.length ? -1 : next < -1 ? options.length - 1 : next);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      location.href = href(options[active].hit.iri);
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
    }
  });
})();
