// ESLint flat config: typescript-eslint's recommended rules. Layer rules are checked by
// dependency-cruiser (.dependency-cruiser.cjs), not here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Example scripts run in the sandbox with the lab's devices as globals: `daq check` checks them
  // (src/engine/run/run-engine.test.ts), not ESLint.
  { ignores: ['dist/', 'node_modules/', '.venv/', 'build/', 'web/dist/', '*.cjs', 'examples/', 'src/api/gen/'] },
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
