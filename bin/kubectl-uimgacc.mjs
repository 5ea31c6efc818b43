#!/usr/bin/env node
// npm's `bin` entry. Fails clearly on an end-of-life Node instead of with a syntax error deep inside a dependency.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error: kubectl-uimgacc needs Node.js 22.19 or newer (this is ${process.version})\n`);
  process.exit(1);
}
try {
  await import('../dist/kubectl-uimgacc.mjs');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/kubectl-uimgacc.mjs')) {
    process.stderr.write('error: kubectl-uimgacc is not built: run `npm ci && npm run build` first\n');
    process.exit(1);
  }
  throw err;
}
