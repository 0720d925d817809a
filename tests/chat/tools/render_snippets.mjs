// Renders small template snippets with the reference (@huggingface/jinja 0.5.11) for the conformance test.
// Usage: NODE_PATH=/tmp/jinja-ref/node_modules node render_snippets.mjs SNIPPETS.json OUT.jsonl
// SNIPPETS.json: a JSON array of {"template": "...", "context": {...}?}. Each output line repeats the snippet and
// adds "text" (the render) or "error" (the reference's message when parsing or rendering throws).
import { createRequire } from "module";
import fs from "fs";

const require = createRequire(import.meta.url);
const { Template } = require("@huggingface/jinja");

const [inPath, outPath] = process.argv.slice(2);
const snippets = JSON.parse(fs.readFileSync(inPath, "utf8"));
const lines = snippets.map((snippet) => {
  const line = { template: snippet.template, context: snippet.context ?? {} };
  try {
    line.text = new Template(snippet.template).render(line.context);
  } catch (error) {
    line.error = String(error.message ?? error);
  }
  return JSON.stringify(line);
});
fs.writeFileSync(outPath, lines.join("\n") + "\n");
