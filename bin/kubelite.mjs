#!/usr/bin/env node
// The build (npm install runs `prepare`) compiles src/ to dist/; fall back to the sources
// through tsx when working from a checkout that was not built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(built)) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
