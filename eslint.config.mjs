import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', 'coverage/', 'test/replay/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code must stay deterministic: no Node built-ins, no I/O clients, no wall clock.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process'],
              message: 'Workflow and domain code must not use Node built-ins.',
            },
            {
              group: [
                'axios',
                'stripe',
                'express',
                'pino',
                '@temporalio/client',
                '@temporalio/worker',
                '../activities/**',
                '../integrations/**',
                '../api/**',
                '../worker/**',
                '../config/**',
              ],
              message: 'Workflow and domain code must not do I/O (type imports are fine).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code is shared with activities, where the wall clock is not deterministic: time comes in as input.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Use workflow time (Date is deterministic inside workflows) or pass time in.',
        },
        { object: 'Math', property: 'random', message: 'Use the SDK uuid4() or deterministic input.' },
      ],
    },
  },
  {
    // Layers (dependency-cruiser checks them too, and cycles: .dependency-cruiser.cjs). Activities call the systems
    // through integrations/ and know workflows only by name; the signals and updates they send are in messages/.
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\.?/)+workflows(/|$)',
              message:
                'Activities must not import workflow code, not even types: signals and updates live in messages/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The systems' clients are the bottom layer beside domain/: nothing of the product's runs, doors or scripts.
    files: ['integrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\.?/)+(activities|workflows|api|worker|scripts)(/|$)',
              message:
                'integrations/ holds the clients of the systems: it must not import activities, workflows, api, worker or scripts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
