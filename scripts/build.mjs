// Bundles the action (dist/index.js) and the command line (dist/cli.js) into single ESM files,
// so that the runner needs no node_modules. CI rebuilds and fails when dist/ differs from src/.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  legalComments: 'none',
  // Prefer each package's ES module build: the UMD build of jsonc-parser calls require() with paths
  // that esbuild cannot bundle, and the bundle then fails at start-up.
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require() at run time; an ESM bundle has no require of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({ ...shared, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
await build({ ...shared, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' });
