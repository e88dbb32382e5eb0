// /api: Swagger UI (vendored) on the app's own OpenAPI description; nothing is fetched from elsewhere.
(function () {
  "use strict";
  const root = document.getElementById("swagger");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    validatorUrl: null, // no badge from the public validator: the page stays offline
    deepLinking: true,
    tryItOutEnabled: true,
  });
})();
