import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { files: ['**/*.ts', '**/*.mjs'] },
  { ignores: ['dist/', 'node_modules/', '.sandbox/', 'out/', 'charts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // TypeScript already checks names; ESLint's no-undef does not know Node's globals.
      'no-undef': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      // lib/ is shared by the plugin and the helper: no CLI frameworks, no colours, no exiting.
      'no-restricted-imports': ['error', { paths: ['yargs', 'chalk', 'cli-table3', 'yocto-spinner'], patterns: ['../cmd/*', '../../cmd/*', '../helper/*', '../../helper/*'] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'lib/ reports errors; cmd/ and helper/ decide how to exit.' }],
    },
  },
);
