// check.mjs parses each TLA+ module named on the command line with the
// tree-sitter-tlaplus grammar (its WASM build, through web-tree-sitter) and
// prints every ERROR and MISSING node as file:line:col with the text around
// it. It exits 1 if any file has one (or cannot be read), 0 otherwise.
//
//	node tla/syntaxcheck/check.mjs tla/*.tla
//
// Install its pinned dependencies first: (cd tla/syntaxcheck && npm ci).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Parser from "web-tree-sitter";

const require = createRequire(import.meta.url);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE.tla...");
  process.exit(2);
}

await Parser.init();
const wasm = require.resolve("@tlaplus/tree-sitter-tlaplus/tree-sitter-tlaplus.wasm");
const TLAPlus = await Parser.Language.load(wasm);
const parser = new Parser();
parser.setLanguage(TLAPlus);

// Problems found in one file: syntax-tree nodes that are ERROR or MISSING.
// Nodes inside an ERROR node are not reported again.
function problems(root) {
  const out = [];
  const walk = (node) => {
    if (node.isMissing) {
      out.push({ node, what: `MISSING ${node.type}` });
      return;
    }
    if (node.isError) {
      out.push({ node, what: "ERROR" });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) walk(child);
  };
  walk(root);
  return out;
}

function oneLine(s, max) {
  s = s.replace(/\s+/g, " ").trim();
  return s.length > max ? s.slice(0, max) + "..." : s;
}

let failed = 0;
for (const file of files) {
  let src;
  try {
    src = readFileSync(file, "utf8");
  } catch (err) {
    console.log(`${file}: ${err.message}`);
    failed++;
    continue;
  }
  const tree = parser.parse(src);
  const lines = src.split("\n");
  const found = problems(tree.rootNode);
  if (!tree.rootNode.children.some((n) => n.type === "module")) {
    found.push({ node: tree.rootNode, what: "no MODULE found" });
  }
  for (const { node, what } of found) {
    const { row, column } = node.startPosition;
    console.log(`${file}:${row + 1}:${column + 1}: ${what}`);
    if (node.text) console.log(`    node text: ${oneLine(node.text, 160)}`);
    for (let r = Math.max(0, row - 1); r <= Math.min(lines.length - 1, row + 1); r++) {
      console.log(`    ${String(r + 1).padStart(5)} | ${lines[r]}`);
      if (r === row) console.log(`    ${" ".repeat(5)} | ${" ".repeat(column)}^`);
    }
  }
  if (found.length > 0) failed++;
  tree.delete();
}
if (failed > 0) {
  console.log(`${failed} of ${files.length} file(s) have syntax errors`);
  process.exit(1);
}
console.log(`${files.length} file(s) parsed without syntax errors`);
