// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const frameworkImports = [
  '@nestjs/*',
  'typeorm',
  'typeorm/*',
  'bullmq',
  'ioredis',
  'pg',
  'pg-*',
  'fs',
  'node:*',
  'net',
  'http',
  'child_process',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'coverage/**',
      'eslint.config.mjs',
      'jest.config.js',
      'jest.faults.config.js',
      'dist-bench/**',
      'bench/results/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='parseFloat']",
          message: 'Money never passes through a JS number: use Decimal.',
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'decimal.js',
              message:
                "Import Decimal from 'src/rating/core/decimal' so its configuration is in force.",
            },
          ],
        },
      ],
    },
  },
  {
    // The rating core is pure: no framework, driver, I/O or clock.
    files: ['src/rating/core/**/*.ts'],
    ignores: ['src/rating/core/decimal.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'decimal.js', message: "Import Decimal from './decimal'." }],
          patterns: [
            {
              group: frameworkImports,
              message: 'The rating core is pure: no framework, driver or I/O imports.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'The rating core reads no clock: take time as a parameter.',
        },
      ],
    },
  },
  {
    files: ['src/rating/core/decimal.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
