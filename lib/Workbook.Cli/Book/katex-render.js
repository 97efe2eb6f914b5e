// Typesets the book's math at build time (run by `workbook book` under node, with KaTeX from the npm package).
// Reads a JSON array of {tex, display} on stdin; writes a JSON array of {html} or {error} in the same order.
// Usage: node katex-render.js KATEX_PACKAGE_FOLDER
"use strict";
const path = require("path");
const katex = require(path.join(process.argv[2], "dist", "katex.js"));
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", chunk => { input += chunk; });
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const out = items.map(item => {
    try {
      // throwOnError: an unknown macro fails the build with its message instead of showing red TeX in the book.
      return { html: katex.renderToString(item.tex, { displayMode: item.display, throwOnError: true, strict: "ignore", output: "htmlAndMathml" }) };
    } catch (e) {
      return { error: String(e && e.message || e) };
    }
  });
  process.stdout.write(JSON.stringify({ version: katex.version, results: out }));
});
