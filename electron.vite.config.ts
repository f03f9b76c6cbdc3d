import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const root = __dirname
const alias = { '@core': resolve(root, 'src-core') }

/**
 * Three builds, one alias. Output layout (asserted by tests/build-output.test.ts):
 *   out/main/index.js      CommonJS, loads better-sqlite3 and other dependencies from node_modules
 *   out/preload/index.js   ONE CommonJS file whose only require is "electron"
 *   out/renderer/          index.html and hashed assets, served through app:// and the loopback bridge
 */
export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      lib: { entry: { index: resolve(root, 'src-main/index.ts') }, formats: ['cjs'] },
      // The native module must be loaded from disk (Node build for tests and the CLI,
      // the .native/ Electron build at launch through the `nativeBinding` option).
      rollupOptions: { external: ['better-sqlite3'] },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: 'out/preload',
      // A sandboxed preload runs in a limited `require` that offers `electron` and a few
      // polyfills but cannot load a second file or an ES module. So: CommonJS, and every
      // dependency (the contract's method list pulls in zod) bundled into the one file.
      externalizeDeps: false,
      lib: { entry: { index: resolve(root, 'src-main/preload.ts') }, formats: ['cjs'] },
      rollupOptions: { output: { inlineDynamicImports: true } },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    resolve: { alias },
    plugins: [vue()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rollupOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
})
