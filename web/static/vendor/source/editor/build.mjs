// Builds the workbench's vendored browser code from the exact versions in package-lock.json:
//   npm ci && npm run build
// in this folder writes web/static/vendor/workbench-editor.js (CodeMirror 6 + SPARQL + N3.js, one minified file),
// vendor/swagger-ui/ (Swagger UI's own distribution files) and vendor/LICENSES.txt (the licence of every package
// that went into either).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const out = "../..";  // web/static/vendor/
const result = await build({
  entryPoints: ["entry.mjs"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  platform: "browser",
  define: { global: "globalThis" },
  legalComments: "none", // the full licences go to LICENSES.txt instead
  metafile: true,
  outfile: join(out, "workbench-editor.js"),
});

// Swagger UI ships a ready bundle; it is copied as published, less the source-map comment (no map is vendored).
mkdirSync(join(out, "swagger-ui"), { recursive: true });
const dist = "node_modules/swagger-ui-dist";
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  const text = readFileSync(join(dist, name), "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n")
    .replace(/\/\*# sourceMappingURL=\S+?\s*\*\/\s*$/, "\n");
  writeFileSync(join(out, "swagger-ui", name), text);
}
// Its licence, its NOTICE and the licences of the libraries inside its bundle, as published with it.
for (const name of ["LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"]) {
  copyFileSync(join(dist, name), join(out, "swagger-ui", name));
}

// Every package with a file in the bundle, found from esbuild's list of inputs, plus Swagger UI.
const packages = new Set(["node_modules/swagger-ui-dist"]);
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /^(node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match) packages.add(match[1]);
}
const sections = [...packages].sort().map((folder) => {
  const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const file = readdirSync(folder).find((name) => /^(licen[cs]e|copying)/i.test(name));
  if (!file) throw new Error(`${meta.name} has no licence file`);
  return `${meta.name} ${meta.version} (${meta.license})\n${"=".repeat(72)}\n${readFileSync(join(folder, file), "utf8").trim()}\n`;
});
writeFileSync(join(out, "LICENSES.txt"),
  "Licences of the browser code vendored in this folder (workbench-editor.js, swagger-ui/), one per npm package.\n\n"
  + sections.join("\n"));
console.log(`bundled ${packages.size} packages`);
