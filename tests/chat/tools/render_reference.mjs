// Renders chat templates with the reference implementation, @huggingface/jinja 0.5.11, the way the fixtures in
// shared/fixtures/chat were made: every conversation with add_generation_prompt false then true, the conversation's
// "vars" merged into the context, "tools" passed when the conversation has them.
//
// Setup (outside the repository): mkdir /tmp/jinja-ref && cd /tmp/jinja-ref && npm install @huggingface/jinja@0.5.11
// Usage: NODE_PATH=/tmp/jinja-ref/node_modules node render_reference.mjs TEMPLATE CONVERSATIONS.json OUT.jsonl
//   TEMPLATE: a .jinja file (bos/eos default to DeepSeek's) or a tokenizer_config.json (its chat_template, and its
//   own bos_token/eos_token: a string or an AddedToken object; null leaves the variable undefined).
// A render that throws is written as {"conversation", "add_generation_prompt", "error": message}.
import { createRequire } from "module";
import fs from "fs";

const require = createRequire(import.meta.url);
const { Template } = require("@huggingface/jinja");

const [templatePath, conversationsPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node render_reference.mjs TEMPLATE CONVERSATIONS.json OUT.jsonl");
  process.exit(2);
}

let source;
let tokens = { bos_token: "<｜begin▁of▁sentence｜>", eos_token: "<｜end▁of▁sentence｜>" };
if (templatePath.endsWith(".json")) {
  const config = JSON.parse(fs.readFileSync(templatePath, "utf8"));
  source = config.chat_template;
  if (Array.isArray(source)) source = source.find((t) => t.name === "default").template;
  const text = (t) => (t === null || t === undefined ? undefined : typeof t === "string" ? t : t.content);
  tokens = { bos_token: text(config.bos_token), eos_token: text(config.eos_token) };
} else {
  source = fs.readFileSync(templatePath, "utf8");
}

const conversations = JSON.parse(fs.readFileSync(conversationsPath, "utf8"));
const template = new Template(source);
const lines = [];
conversations.forEach((conversation, index) => {
  for (const addGenerationPrompt of [false, true]) {
    const context = { messages: conversation.messages, ...tokens, add_generation_prompt: addGenerationPrompt };
    if (conversation.tools !== undefined) context.tools = conversation.tools;
    Object.assign(context, conversation.vars ?? {});
    for (const key of Object.keys(context)) if (context[key] === undefined) delete context[key];
    const line = { conversation: index, add_generation_prompt: addGenerationPrompt };
    try {
      line.text = template.render(context);
    } catch (error) {
      line.error = String(error.message ?? error);
    }
    lines.push(JSON.stringify(line));
  }
});
fs.writeFileSync(outPath, lines.join("\n") + "\n");
