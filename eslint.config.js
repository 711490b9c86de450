// ESLint flat config: typescript-eslint's recommended rules. Layer rules are checked by
// dependency-cruiser (.dependency-cruiser.cjs), not here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Data directories ts-daq made (src/data/data-dir.ts marks them with a .gitignore), down to `depth` levels. */
function dataDirectories(dir = '.', depth = 4) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || ['node_modules', '.git', 'dist', 'build', '.venv'].includes(entry.name)) continue;
    const path = dir === '.' ? entry.name : join(dir, entry.name);
    const marker = join(path, '.gitignore');
    if (existsSync(marker) && readFileSync(marker, 'utf8').startsWith('# ts-daq data directory')) found.push(`${path}/`);
    else if (depth > 1) found.push(...dataDirectories(path, depth - 1));
  }
  return found;
}

export default tseslint.config(
  // Example scripts run in the sandbox with the lab's devices as globals: `daq check` checks them
  // (src/engine/run/run-engine.test.ts), not ESLint. So do the scripts saved from the dashboard
  // into a data directory (daq-data/ by default, or any the tools made: dataDirectories).
  { ignores: ['dist/', 'node_modules/', '.venv/', 'build/', 'web/dist/', '*.cjs', 'examples/', 'src/api/gen/', 'daq-data/', '.data/', 'test-output/', ...dataDirectories()] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['*.config.js', '*.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
