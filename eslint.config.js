// @ts-check
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const prettier = require('eslint-config-prettier');
const noDictionaryLookup = require('./eslint-rules/no-dictionary-lookup');
const noBareErrorType = require('./eslint-rules/no-bare-error-type');

/** Workflows run in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries, no side-effect code. */
const workflowRestrictedImports = {
  patterns: [
    { group: ['node:*'], message: 'workflows/ must stay deterministic: no Node built-ins.' },
    {
      group: ['../activities', '../activities/*', '../worker', '../worker/*', '../client', '../client/*'],
      allowTypeImports: true,
      message: 'workflows/ may only import types from activities/, and nothing from worker/ or client/.',
    },
    { group: ['../scripts/*', '../test/*'], message: 'workflows/ may not import scripts or tests.' },
  ],
  paths: [
    'fs',
    'path',
    'os',
    'crypto',
    'child_process',
    'http',
    'https',
    'net',
    'dns',
    'worker_threads',
    'openai',
    '@modelcontextprotocol/sdk',
    '@temporalio/activity',
    '@temporalio/worker',
    '@temporalio/client',
  ].map((name) => ({ name, message: 'workflows/ must stay deterministic: do side effects in an activity.' })),
};

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.temporal/', '.reins/', 'coverage/', 'test-artifacts/', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowRestrictedImports] },
  },
  {
    // Outside strings (user ids, roles, tool, model and provider names, request ids) reach these folders.
    files: ['workflows/**/*.ts', 'common/**/*.ts', 'activities/**/*.ts'],
    plugins: { reins: { rules: { 'no-dictionary-lookup': noDictionaryLookup } } },
    rules: { 'reins/no-dictionary-lookup': 'error' },
  },
  {
    // Error type names go through the one registry; tests may spell them, since they check the published names.
    files: ['**/*.ts'],
    ignores: ['test/**'],
    plugins: { 'reins-errors': { rules: { 'no-bare-error-type': noBareErrorType } } },
    rules: { 'reins-errors/no-bare-error-type': 'error' },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '../activities*', '../workflows*', '../worker*', '../client*', '../scripts*'],
              message: 'common/ is pure and imports nothing from the other folders.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
