#!/usr/bin/env node
// The installed command runs the compiled CLI (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/runtime/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('edge-gw is not built yet: run `npm run build` in the project folder first.');
  process.exit(1);
}
await import(entry.href);
