// Renders small template snippets with the reference (@huggingface/jinja 0.5.11) for the conformance test.
// Usage: NODE_PATH=/tmp/jinja-ref/node_modules node render_snippets.mjs SNIPPETS.json OUT.jsonl [CONTEXT.json]
// SNIPPETS.json: a JSON array of {"template": "...", "context": {...}?}. Each output line repeats the snippet and
// adds "text" (the render) or "error" (the reference's message when parsing or rendering throws). Snippets without
// a context are rendered with CONTEXT.json (if given), which is then not repeated in the output.
import { createRequire } from "module";
import fs from "fs";

const require = createRequire(import.meta.url);
const { Template } = require("@huggingface/jinja");

const [inPath, outPath, contextPath] = process.argv.slice(2);
const snippets = JSON.parse(fs.readFileSync(inPath, "utf8"));
const shared = contextPath ? JSON.parse(fs.readFileSync(contextPath, "utf8")) : {};
const lines = snippets.map((snippet) => {
  const line = { template: snippet.template };
  if (snippet.context !== undefined || !contextPath) line.context = snippet.context ?? {};
  try {
    line.text = new Template(snippet.template).render(snippet.context ?? shared);
  } catch (error) {
    line.error = String(error.message ?? error);
  }
  return JSON.stringify(line);
});
fs.writeFileSync(outPath, lines.join("\n") + "\n");
