// ESLint (flat config). `npm run lint`; CI runs it in .ci/run before the tests (docs/development.md).
// Formatting is prettier's job (`npm run format:check`), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import ksctl from './scripts/eslint-layers.mjs';

const CLOUD_SDKS = ['@aws-sdk/*', '@smithy/*', '@azure/*', '@google-cloud/*', 'google-gax', 'google-auth-library'];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test/**/node_modules/'] },

  // TypeScript: type-checked against tsconfig.json (src, test, bench: the same program `npm run typecheck` checks).
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // tsc's noUnusedLocals/noUnusedParameters report these already (npm run typecheck).
      '@typescript-eslint/no-unused-vars': 'off',
      // An `async` method without `await` is how an implementation satisfies a Promise-returning interface
      // (Step.run, provider methods); a throw inside it still becomes a rejection, which is what callers expect.
      '@typescript-eslint/require-await': 'off',
      // Re-throwing or rejecting with what was caught (an abort signal's reason, a step's error) is deliberate:
      // the original error, with its code and cause, is what the caller formats.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
    },
  },
  // Tests: the CLI's JSON output, the SDK inputs the fakes receive and upstream tools' JSON are `any` by nature
  // (JSON.parse, one generic fake handler type); a wrong field there fails the test at run time. Explicit `any`
  // stays an error. `typeof import('...')` is vitest's idiom for a mocked module's type.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },

  // Plain JavaScript (bin/, scripts/, bench/*.mjs, the stand-ins under test/): not in the TS program, so the
  // untyped rules only.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    // `const { a: _a, ...rest } = o` drops a key; the leading underscore says so.
    rules: {
      'no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  { files: ['bin/**/*.js'], languageOptions: { sourceType: 'commonjs' } },

  // Layers flow one way: commands → managers → cloud/distro → state (scripts/eslint-layers.mjs).
  {
    files: ['src/**/*.ts'],
    plugins: { ksctl },
    rules: {
      'ksctl/layers': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: CLOUD_SDKS, message: 'cloud SDKs belong to src/cloud/ only' }] },
      ],
    },
  },
  // ARCHITECTURE.md decision 6: the SDKs load lazily. A provider imports an SDK's types only; its values come
  // from `await import()` where a call needs them (the lazy-loading tests check the same at run time).
  {
    files: ['src/cloud/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: CLOUD_SDKS,
              allowTypeImports: true,
              message: 'load SDK values with await import() where they are used',
            },
          ],
        },
      ],
    },
  },
  // Backup storage targets (S3, Azure Blob, GCS): each file is one SDK's adapter, and src/backup/targets/index.ts
  // loads it with await import() only when that target is used, so the SDK stays lazy without a second indirection.
  {
    files: [
      'src/backup/targets/s3.ts',
      'src/backup/targets/s3-upload.ts',
      'src/backup/targets/s3-sdk.ts',
      'src/backup/targets/azure.ts',
      'src/backup/targets/gcs.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
);
