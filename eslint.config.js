// @ts-check
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const prettier = require('eslint-config-prettier');
const noDictionaryLookup = require('./eslint-rules/no-dictionary-lookup');
const noBareErrorType = require('./eslint-rules/no-bare-error-type');

/**
 * One-way fences between the Node-side folders: a pattern per folder that `from` may not reach. `import type` counts
 * too: a type import today is a value import tomorrow.
 */
const fence = (message, ...folders) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`,
  message,
});

/**
 * The package ships compiled common/, shared/, workflows/, activities/, worker/, client/, cli/ and testing/; scripts/
 * and test/ stay in the repository, so nothing shipped may import them. testing/ is for a user's tests only.
 */
const shippedFence = (folder) =>
  fence(
    `${folder} is shipped in the package: it imports nothing from scripts/, test/ or testing/.`,
    'scripts',
    'test',
    'testing',
  );

/** Workflows run in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries, no side-effect code. */
const workflowRestrictedImports = {
  patterns: [
    { group: ['node:*'], message: 'workflows/ must stay deterministic: no Node built-ins.' },
    {
      ...fence('workflows/ may only import types from activities/.', 'activities'),
      allowTypeImports: true,
    },
    fence(
      'workflows/ imports nothing from worker/, client/, cli/, shared/, scripts or tests.',
      'worker',
      'client',
      'cli',
      'shared',
      'scripts',
      'test',
      'testing',
    ),
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

/** The client library and the CLI load no worker-side code: importing the client must stay cheap and safe. */
const clientRestrictedImports = {
  patterns: [
    fence(
      'client/ imports no activity, worker, workflow or CLI code; move what both sides need to common/ or shared/.',
      'activities',
      'worker',
      'workflows',
      'cli',
    ),
    shippedFence('client/'),
  ],
  paths: [{ name: '@temporalio/worker', message: 'client/ does not load the worker SDK.' }],
};

/** The CLI is a user of the client library: the same fences, with client/ allowed. */
const cliRestrictedImports = {
  patterns: [
    fence(
      'cli/ goes through the client library: no activity, worker or workflow code (only `reins worker` runs one).',
      'activities',
      'worker',
      'workflows',
    ),
    shippedFence('cli/'),
  ],
  paths: [{ name: '@temporalio/worker', message: 'cli/ does not load the worker SDK (only `reins worker` does).' }],
};

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'examples/*/dist/',
      '.temporal/',
      '.reins/',
      'coverage/',
      'test-artifacts/',
      '**/*.js',
    ],
  },
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
    files: ['client/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', clientRestrictedImports] },
  },
  {
    // The CLI sits on the client library; `reins worker` is the one command that runs a worker, and the CLI loads it
    // only when that command runs.
    files: ['cli/**/*.ts'],
    ignores: ['cli/actions/worker.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', cliRestrictedImports] },
  },
  {
    // Each command's handler loads only when the command runs: `import()` is no option here (CommonJS under node16
    // resolution, jest without VM modules), so a command requires its own action module and nothing else.
    files: ['cli/commands/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^\\.\\./actions/[a-z-]+$'] }] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            fence(
              'activities/ imports nothing from client/, cli/, worker/ or workflows/.',
              'client',
              'cli',
              'worker',
              'workflows',
            ),
            shippedFence('activities/'),
          ],
        },
      ],
    },
  },
  {
    // The worker and the client share the data converter and config errors through shared/ and common/.
    files: ['worker/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            fence(
              'worker/ imports nothing from client/ or cli/; put what both need in common/ or shared/.',
              'client',
              'cli',
            ),
            shippedFence('worker/'),
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            fence(
              'shared/ is what client, worker and activities all import: it imports only common/.',
              'activities',
              'client',
              'cli',
              'worker',
              'workflows',
              'scripts',
              'test',
              'testing',
            ),
          ],
        },
      ],
    },
  },
  {
    // `reins/testing` stands alone: a user's test imports it beside their own worker, so it needs nothing of reins.
    files: ['testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            fence(
              'testing/ is the standalone scripted model server: it imports no other folder of reins.',
              'activities',
              'client',
              'cli',
              'common',
              'shared',
              'worker',
              'workflows',
              'scripts',
              'test',
            ),
          ],
        },
      ],
    },
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
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'common/ is pure: no Node built-ins.' },
            fence(
              'common/ is pure and imports nothing from the other folders.',
              'activities',
              'workflows',
              'worker',
              'client',
              'cli',
              'shared',
              'scripts',
              'test',
              'testing',
            ),
          ],
        },
      ],
    },
  },
  prettier,
);
