/**
 * `make build` step after tsc: replaces dist/src/cli/main.js (tsc's output) by an esbuild bundle
 * of the same entry, so that `daq --version`, `daq --help` and the commands that only talk to a
 * daemon (status, runs, stop, export) start without Node resolving and compiling a hundred small
 * ES modules (commander, protobuf, gRPC, the generated API). Loading those files one by one cost
 * more than half of `daq status`'s start-up.
 *
 * Only the modules in BUNDLED (and the packages in BUNDLED_PACKAGES) go into the bundle; every
 * other module of ours stays the file tsc wrote and is imported from the bundle by its relative
 * path: the daemon, local runs, drivers and the data layer find their files (native addon, worker
 * threads, the dashboard) beside themselves, and the core's classes (DaqError) exist once. The
 * bundle's chunks sit beside main.js in dist/src/cli/, so each command's code still loads only
 * when that command runs. Usage: node dist/scripts/bundle-cli.js (from the checkout).
 */
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = resolve(ROOT, 'dist/src/cli');

/** Our modules in the bundle (paths under src/, without .ts). */
const BUNDLED = new Set([
  'cli/main',
  'cli/registry',
  'cli/version',
  'cli/remote',
  'cli/commands/status',
  'cli/commands/runs',
  'cli/commands/export',
  'api/client',
  'api/errors',
  'api/auth-error',
  'api/limits',
  'api/gen/daq/v1/common_pb',
  'api/gen/daq/v1/control_pb',
  'api/gen/daq/v1/documents_pb',
  'api/gen/daq/v1/hardware_pb',
  'api/gen/daq/v1/presets_pb',
]);

/** Packages in the bundle: pure JavaScript, loaded by the bundled commands. */
const BUNDLED_PACKAGES = /^(commander|@bufbuild\/protobuf|@grpc\/grpc-js|@js-sdsl\/ordered-map)(\/|$)/;

/** Keeps every other module of ours external, as the path from the bundle to tsc's output. */
const ourModules: Plugin = {
  name: 'our-modules',
  setup(context) {
    context.onResolve({ filter: /^\.\.?\// }, (args) => {
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const key = relative(resolve(ROOT, 'src'), source).split(sep).join('/').replace(/\.ts$/, '');
      if (key.startsWith('..') || !existsSync(source)) return undefined; // not ours: esbuild resolves it
      if (BUNDLED.has(key)) return { path: source };
      const built = relative(OUT_DIR, resolve(ROOT, 'dist/src', `${key}.js`)).split(sep).join('/');
      return { path: built.startsWith('.') ? built : `./${built}`, external: true };
    });
    context.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') || BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

await build({
  entryPoints: { main: resolve(ROOT, 'src/cli/main.ts') },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'main-[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  allowOverwrite: true,
  plugins: [ourModules],
  // gRPC is CommonJS and requires Node's modules; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __daqCreateRequire } from 'node:module';\nconst require = __daqCreateRequire(import.meta.url);" },
});
