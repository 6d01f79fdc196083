// ESLint (flat config): `npm run lint`. Fast on purpose: typescript-eslint's `recommended`, not the type-checked set,
// so no type information is built (`tsc -b` is the type check); formatting is Prettier's (`npm run format:check`);
// import cycles in the kernel are scripts/check-cycles.mjs's (`npm run check:cycles`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// ── import boundaries ──────────────────────────────────────────────────────────────────────────────────────────
// ESLint's own no-restricted-imports matches the specifier as written, unresolved. So that `../session` inside
// src/kernel/caps/ (a kernel folder) is not taken for src/session, each rule is made for one depth below src/: a file
// `depth` folders below src/ reaches src/X as '../'.repeat(depth) + 'X'. A specifier through 'src/' (as from
// workers/) is caught at any depth. Type-only imports count: they tie the designs together just the same.
const MAX_DEPTH = 8;
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A regex for a specifier that names src/<dir> (or a file under it) from a file `depth` folders below src/. */
const toSrc = (depth, dirs) => `^(?:(?:\\.\\./){${depth}}|(?:.*/)?src/)(?:${dirs.map(esc).join('|')})(?:/|$)`;
/** The same for src/kernel, except the listed modules ('sab/' allows a folder), with or without .ts/.js. */
const toKernelExcept = (depth, allowed) => {
  const ok = allowed.map((a) => (a.endsWith('/') ? `${esc(a)}.+` : `${esc(a)}(?:\\.[jt]s)?`)).join('|');
  return `^(?:(?:\\.\\./){${depth}}|(?:.*/)?src/)kernel(?:$|/(?!(?:${ok})$))`;
};
/** One config object per depth: `folder/*.ts` is depth 1, `folder/x/*.ts` depth 2, … */
const perDepth = (folder, { ignores = [], tests = false }, rule) =>
  Array.from({ length: MAX_DEPTH }, (_, i) => ({
    files: [`src/${folder}/${'*/'.repeat(i)}${tests ? '*.test.{ts,tsx}' : '*.{ts,tsx}'}`],
    ignores,
    rules: { 'no-restricted-imports': ['error', rule(i + 1)] },
  }));

// The kernel is pure: it runs in a worker or headless, and knows nothing of the page, the store or the session.
const KERNEL_MAY_NOT_IMPORT = ['ui', 'store', 'client', 'session'];
const kernelRule = (depth) => ({
  patterns: [
    {
      regex: toSrc(depth, KERNEL_MAY_NOT_IMPORT),
      message: 'the kernel may not import src/ui, src/store, src/client or src/session: they depend on it, not it on them',
    },
    { regex: `^(?:(?:\\.\\./){${depth + 1}})workers(?:/|$)`, message: 'the kernel may not import workers/: the workers host it' },
    {
      regex: '^(?:react|react-dom|elkjs|zustand|comlink)(?:/|$)|^@xterm/',
      message: 'the kernel may not import a UI or worker-transport package (react, react-dom, @xterm/*, elkjs, zustand, comlink)',
    },
  ],
});

// What the page may take from the kernel: the SAB layout and the host API (the worker protocol), plus the pure
// presentation helpers below, which it imported when this rule was made. Add to a list only a pure function or
// constant the page needs to show something; the kernel itself (kernel.ts, host.ts, …) stays in the worker.
const KERNEL_FOR_UI = [
  'sab/', // the SAB layout: Frame, readFrame, the table and flag constants
  'host-api', // the host API: types of what the worker answers
  'caps/algebra', // rightsText (GraphPanel's model, InspectorPanel)
  'pairing/types', // ACCESS_BITS (the graph's model)
  'energy/kinetic', // TIERS (EnergyPanel)
  'session/check', // sessionProblem (ShareMenu: checks a session file before it is sent to the worker)
];
const KERNEL_FOR_STORE = ['sab/', 'host-api'];
// Tests drive a headless kernel to get real frames and views.
const KERNEL_FOR_TESTS = ['host', 'yield/world', 'yield/view', 'programs/engine']; // the engine: loaded before user programs run
const kernelOnly = (who, allowed) => (depth) => ({
  patterns: [
    {
      regex: toKernelExcept(depth, allowed),
      message: `${who} may import from src/kernel only ${allowed.map((a) => (a.endsWith('/') ? `${a}**` : a)).join(', ')} (the allowlist in eslint.config.js)`,
    },
  ],
});

export default defineConfig(
  {
    ignores: [
      'dist/',
      'test-results/',
      'playwright-report/',
      'node_modules/',
      '.tsbuild/',
      'bench/out/',
      'tmp-exp/',
      'tests/content/grade/notjs.js',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The sanitizers and validators match control characters on purpose (the terminal, names, paths, the fuzz):
      // every hit was one of them.
      'no-control-regex': 'off',
      // `_name` is the way to say "unused on purpose"; `const { a: _a, ...rest } = x` omits a key.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `cond && f()` and `c ? f() : g()` as statements are part of the code's style; a bare expression is not.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  {
    // One function expression, read as text and run in the page by browser.bench.ts.
    files: ['bench/browser-page.js'],
    languageOptions: { globals: globals.browser },
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // User programs (challenge solutions, graded submissions): scripts the sandbox runs, which calls their main;
    // they see only sys, no Node globals.
    files: ['tests/content/**/*.js'],
    languageOptions: { sourceType: 'script', globals: {} },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^main$' }] },
  },
  {
    files: ['public/coi-serviceworker.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, ...globals.serviceworker } },
  },

  // React: the rules of hooks and the effect dependencies. The React Compiler's rules (react-hooks v6+
  // `recommended`: refs, set-state-in-effect, immutability, purity, …) are left out: this build does not use the
  // compiler, and they double the time of a lint.
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.{ts,tsx}', 'src/client/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },

  // Import boundaries (see above). A later object's rule replaces an earlier one's for the files both match.
  ...perDepth('kernel', {}, kernelRule),
  // A shell command sees only its context (shell/context.ts): a read-only view, the shell's own operations and
  // the experimenter's controls. Not the Kernel, its state core, the concerns, or the binder that makes the context.
  {
    files: ['src/kernel/shell/commands/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...kernelRule(3).patterns,
            {
              regex: '^\\.\\./(ops|shell)$|^\\.\\./\\.\\./(kernel|host|types)$|^\\.\\./\\.\\./(core|call|process|scheduler|session)/',
              message: 'a shell command gets its context (shell/context.ts), never the Kernel, its state core or shell/ops.ts',
            },
          ],
        },
      ],
    },
  },
  ...perDepth('ui', { ignores: ['**/*.test.{ts,tsx}'] }, kernelOnly('src/ui', KERNEL_FOR_UI)),
  ...perDepth('ui', { tests: true }, kernelOnly('a test in src/ui', [...KERNEL_FOR_UI, ...KERNEL_FOR_TESTS])),
  // The client layer sits below the panels: it reads the SAB and talks to the worker, and knows nothing of ui/.
  ...perDepth('client', { ignores: ['**/*.test.{ts,tsx}'] }, (depth) => ({
    patterns: [
      ...kernelOnly('src/client', KERNEL_FOR_STORE)(depth).patterns,
      { regex: toSrc(depth, ['ui']), message: 'src/client may not import src/ui: the panels depend on it, not it on them' },
    ],
  })),
  ...perDepth('client', { tests: true }, kernelOnly('a test in src/client', [...KERNEL_FOR_STORE, ...KERNEL_FOR_TESTS])),
  ...perDepth('store', { ignores: ['**/*.test.{ts,tsx}'] }, kernelOnly('src/store', KERNEL_FOR_STORE)),
  ...perDepth('store', { tests: true }, kernelOnly('a test in src/store', [...KERNEL_FOR_STORE, ...KERNEL_FOR_TESTS])),
);
