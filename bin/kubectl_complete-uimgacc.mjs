#!/usr/bin/env node
// npm's `bin` entry for kubectl's plugin completion (kubectl ≥ 1.26 runs `kubectl_complete-uimgacc ARGS… WORD`).
// Completion must never print an error into the shell: on an unsupported Node it completes nothing.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stdout.write(':4\n');
  process.exit(0);
}
await import('../dist/kubectl_complete-uimgacc.mjs');
