import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.tmp/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The store owns SQL and must not depend on the receiver or the API.
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '**/ingest/**',
            '**/api/**',
            '**/audit/**',
            '**/auth/**',
            '**/orgs/**',
            '**/query/**',
            'hono',
            'hono/*',
            '@hono/*',
          ],
        },
      ],
    },
  },
  {
    // Domain code depends on the store, never on the API or the receiver.
    files: ['src/audit/**/*.ts', 'src/auth/**/*.ts', 'src/orgs/**/*.ts', 'src/query/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/ingest/**', '**/api/**', 'hono', 'hono/*', '@hono/*'] },
      ],
    },
  },
  {
    // Collectors store scrapes through the OTLP converter, so they may use the receiver;
    // like other domain code they never depend on the API.
    files: ['src/collectors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/api/**', 'hono', 'hono/*', '@hono/*'] }],
    },
  },
  {
    files: ['src/ingest/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/api/**'] }] },
  },
  {
    files: ['src/cli.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // Tests read JSON answers of the API as they come.
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
