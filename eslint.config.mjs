// Lint is part of the architecture: these blocks keep each zone importing only
// what may run where it runs (after VS Code's code-layering rule).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net', 'url', 'stream']

const corePlatformFree = [
  { group: ['electron', 'electron/*', 'vue', 'pinia', '@xstate/vue', 'better-sqlite3', ...nodeBuiltins], message: 'src-core is platform-free: no electron, vue, node or DOM.' },
  { group: ['**/src-main/**', '**/src-renderer/**'], message: 'src-core imports nobody.' },
]

// The core's floors (ARCHITECTURE.md, Layout): each folder imports only the
// folders below it. `analysis` sits above `session` (it words its findings
// with session/describe); `testing` holds test fixtures, which no shipped
// core file imports.
const CORE_FLOORS = {
  scenario: [],
  engine: ['scenario'],
  scoring: ['scenario', 'engine'],
  session: ['scenario', 'engine', 'scoring'],
  analysis: ['scenario', 'engine', 'scoring', 'session'],
  api: ['scenario', 'engine', 'scoring', 'session', 'analysis'],
}
const CORE_FOLDERS = [...Object.keys(CORE_FLOORS), 'testing']

function coreFloor(folder) {
  const below = CORE_FLOORS[folder]
  const allowed = below.length ? `only ${below.join(', ')}` : 'nothing else'
  const forbidden = CORE_FOLDERS.filter((other) => other !== folder && !below.includes(other))
  return {
    files: [`src-core/${folder}/**/*.ts`],
    ignores: ['src-core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...corePlatformFree,
            ...forbidden.map((other) => ({
              group: [`../${other}`, `../${other}/**`, `@core/${other}`, `@core/${other}/**`, `**/src-core/${other}`, `**/src-core/${other}/**`],
              message: `src-core/${folder} may import ${allowed} of the core, not src-core/${other} (the core's floors, ARCHITECTURE.md).`,
            })),
          ],
        },
      ],
    },
  }
}

export default tseslint.config(
  { ignores: ['.*/**', '**/*.tmp.ts', 'out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'docs/**', 'playwright-report/**', 'test-results/**', '.native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'vue/no-v-html': 'error',
      // TypeScript checks names; the lint copy of that check does not know DOM or Node globals per zone.
      'no-undef': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['src-core/**/*.ts'],
    ignores: ['src-core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: corePlatformFree }],
      // Replay must be exact: time and randomness enter only through events and the seed.
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time enters the core only through events (`at`).' },
        { object: 'Math', property: 'random', message: 'Randomness enters the core only through the session seed.' },
        { object: 'crypto', property: 'getRandomValues', message: 'Randomness enters the core only through the session seed.' },
        { object: 'crypto', property: 'randomUUID', message: 'Randomness enters the core only through the session seed.' },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time enters the core only through events (`at`).' }],
    },
  },
  // After the block above: a folder's block repeats the platform ban, since a later block's rule replaces an earlier one's.
  ...Object.keys(CORE_FLOORS).map(coreFloor),
  {
    files: ['src-core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'vue', ...nodeBuiltins], message: 'Core tests stay platform-free too.' }] }],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/src-renderer/**'], message: 'main and the renderer never import each other; share through src-core.' }] }],
    },
  },
  {
    files: ['src-main/services/**/*.ts', 'src-main/cli/**/*.ts', 'src-main/bridge/**/*.ts', 'src-main/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'Services, the CLI, the bridge and the transport core run under plain Node; only index/window/ipc/preload touch Electron.' },
            { group: ['**/src-renderer/**'], message: 'main and the renderer never import each other.' },
          ],
        },
      ],
    },
  },
  {
    // The bridge and what both transports share must not reach the Electron-aware files
    // (one runtime import of electron through them breaks the preview and the e2e suite).
    files: ['src-main/bridge/**/*.ts', 'src-main/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The bridge and src-main/transport run under plain Node.' },
            { group: ['**/src-renderer/**'], message: 'main and the renderer never import each other.' },
            {
              regex: '^(\\.\\./)+(src-main/)?(index|window|ipc|preload|protocol)(\\.[cm]?[jt]s)?$',
              message: 'index, window, ipc, preload and protocol are Electron-aware: the bridge and src-main/transport share only what is in src-main/transport.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*', 'better-sqlite3', ...nodeBuiltins], message: 'The renderer is sandboxed: it reaches main only through api.ts.' },
            { group: ['**/src-main/**'], message: 'main and the renderer never import each other; share through src-core.' },
          ],
        },
      ],
    },
  },
)
