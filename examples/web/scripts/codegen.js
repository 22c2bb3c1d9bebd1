// Runs graphql-codegen with codegen.config.js. With --check it writes
// nothing and exits 1 when a committed file under src/gql/ differs from what
// codegen would write, or when one is missing or extra (CI runs this).
import { readFile, readdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.config.js';

const check = process.argv.includes('--check');
const root = resolve(import.meta.dirname, '..');
const outputs = await generate({ ...config, cwd: root, silent: true }, !check);
if (!check) {
  console.log(`codegen wrote ${outputs.map((o) => relative(root, resolve(root, o.filename))).join(', ')}`);
  process.exit(0);
}

const stale = [];
const expected = new Set();
for (const { filename, content } of outputs) {
  const path = resolve(root, filename);
  expected.add(path);
  const onDisk = await readFile(path, 'utf8').catch(() => null);
  if (onDisk !== content) stale.push(relative(root, path) + (onDisk === null ? ' (missing)' : ''));
}
for (const dir of new Set(Object.keys(config.generates))) {
  for (const name of await readdir(resolve(root, dir))) {
    const path = resolve(root, dir, name);
    if (!expected.has(path)) stale.push(relative(root, path) + ' (not generated)');
  }
}
if (stale.length > 0) {
  console.error(`generated code is out of date: ${stale.join(', ')}\nrun \`npm run codegen\` in examples/web and commit the result`);
  process.exit(1);
}
console.log('generated code is up to date');
