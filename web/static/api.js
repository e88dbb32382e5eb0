// /api: Swagger UI (vendored) on the app's own OpenAPI description; nothing is fetched from elsewhere.
(function () {
  "use strict";
  const root = document.getElementById("swagger");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    validatorUrl: null, // no badge from the public validator: the page stays offline
    // No deep links: Swagger UI draws them as a link inside each operation's button, which assistive technology
    // cannot reach (axe-core: nested-interactive).
    deepLinking: false,
    tryItOutEnabled: true,
  });
  // Swagger UI draws choices without a name (the server, a parameter's values) and answers in a scrolling block
  // that the keyboard cannot reach; both are mended as it draws them.
  function mend() {
    for (const select of root.querySelectorAll("select:not([aria-label])")) {
      const row = select.closest("tr");
      const parameter = row && row.querySelector(".parameter__name");
      if (parameter) select.setAttribute("aria-label", parameter.firstChild.textContent.trim());  // less its "*"
      else if (select.id === "servers") select.setAttribute("aria-label", "Server");
    }
    for (const code of root.querySelectorAll(".highlight-code > pre:not([tabindex])")) code.tabIndex = 0;
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
})();
