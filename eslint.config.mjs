// One typed lint configuration for every workspace.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/src/generated/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test'], package: 'node:test' },
          ],
        },
      ],
      // Express 5 forwards a rejected handler's error to the error handler.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Configuration is read in one place only: the config package validates it.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through @syllabus/config.' },
      ],
    },
  },
  {
    // One layering in every service: entry points (HTTP, messaging) → domain ← data access. The
    // domain holds the use cases, the errors they raise, its types and the ports it needs
    // (`domain/ports.ts`); data access implements the ports. The domain speaks neither HTTP nor
    // a query language, knows nothing of who calls it or what stores its data, and never reads
    // a driver's error code: data access turns the ones that mean something into domain errors.
    files: ['services/*/src/domain/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='code']",
          message: "A driver's error code is read in data-access/, which raises a DomainError.",
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['express', 'pg', 'mongoose', 'mongodb', 'ioredis', 'amqplib'].map((name) => ({
              name,
              message: 'The domain does not query or serve: put this in data-access/ or entry-points/.',
            })),
            {
              name: '@syllabus/service-kit',
              message: 'HTTP problems belong to entry points: raise a DomainError (@syllabus/contracts).',
            },
            ...['@syllabus/postgres', '@syllabus/messaging'].map((name) => ({
              name,
              message: 'The domain names what it needs in domain/ports.ts; data-access/ provides it.',
            })),
            {
              name: '@syllabus/cache',
              allowTypeImports: true,
              message: 'Caches are built in the composition root.',
            },
          ],
          patterns: [
            { group: ['**/entry-points/**'], message: 'The domain does not know its callers.' },
            {
              group: ['**/data-access/**'],
              message: 'The domain declares its ports in domain/ports.ts; data-access/ implements them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/data-access/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'pg',
              allowTypeImports: true,
              message: 'Query PostgreSQL through @syllabus/postgres (timed, named).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/config/src/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests, and the load harness that drives the system from outside, like a test.
    files: ['**/test/**', 'infra/load/**', 'infra/bench/**', 'infra/support/**', 'infra/fuzz/**'],
    rules: {
      'no-restricted-properties': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
