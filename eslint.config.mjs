// Lint rules that find defects, not style (layout is not checked). src/ gets
// typescript-eslint's type-checked rules; the JavaScript of bin/, scripts/, test/,
// examples/ and benchmarks/ gets ESLint's recommended rules. Why each rule is off: the
// comment beside it. See docs/architecture.md, "Testing".
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const unusedVars = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true };

export default tseslint.config(
  {
    // test/types is compiled by its own test (test/types-public-api.test.mjs).
    ignores: ['dist/', 'build/', 'prebuilds/', '.node-releases/', 'node_modules/', 'coverage/', 'test/types/'],
  },
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // On beyond the recommended set: each names a class of real defect.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'no-template-curly-in-string': 'error',
      'no-self-compare': 'error',
      'array-callback-return': 'error',
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
      // Re-throwing a caught value (unknown) through Promise.reject is not a new non-Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Style only: 117 harmless assertions, and removing them would churn most files.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Fires on `unknown` narrowed to {} after typeof checks that already handled objects.
      '@typescript-eslint/no-base-to-string': 'off',
      // `async` without await is deliberate here: it turns a synchronous throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Fire only where Array.isArray narrows a typed readonly array to any[] (TypeScript's lib)
      // or on untyped module values checked at run time; explicit any and calls of any stay errors.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // Flags defensive initial values before a try or loop that always assigns; never a defect.
      'no-useless-assignment': 'off',
    },
  },
  {
    // The addon's path is computed at run time (build/Release or prebuilds/): only require() loads it.
    files: ['src/native.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Record constructors compiled from branch names, each quoted with JSON.stringify (fast reads).
    files: ['src/io/root/root-file.ts'],
    rules: { '@typescript-eslint/no-implied-eval': 'off' },
  },
  {
    // Awaits a result only when it is a thenable (checked by duck typing), so sync items stay sync.
    files: ['src/jobs/claimed-run.ts'],
    rules: { '@typescript-eslint/await-thenable': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      'no-unused-vars': ['error', unusedVars],
      // Same reason as in src/.
      'no-useless-assignment': 'off',
      // The tests match terminal escape sequences (\x1b) on purpose.
      'no-control-regex': 'off',
      // Style only: runs of spaces in a pattern are what the aligned output contains.
      'no-regex-spaces': 'off',
    },
  },
);
