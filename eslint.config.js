import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'coverage/', 'dist/', 'client/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // process.env belongs to lib/config.ts and the local launcher only.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through lib/config.ts.' }],
      // An import names where it goes: another top-level folder by its package.json "imports" alias
      // (#lib/…, #functions/…), never by climbing (../../).
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./){2,}', message: 'Import across folders by alias (#lib/…, #functions/…: package.json "imports").' }] },
      ],
    },
  },
  {
    // client/ is a package of its own (its package.json has no "imports"); its tests reach the root's test
    // support by path, which no alias of the root can name from inside client/.
    files: ['client/test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Functions log only through functions/common/logger.ts, whose output is redacted (lib/logging/redact.ts).
    files: ['functions/**', 'lib/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['lib/config.ts', 'local/**', 'infra/**', 'deploy/**', 'tests/**', 'tools/**', '*.config.js'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
