import { resolve } from 'node:path'
import { defineConfig, type UserConfig } from 'electron-vite'
import product from '../electron.vite.config'

/**
 * The review benchmark's RSS child, built exactly as the app's main process
 * is (electron.vite.config.ts's main section: same alias, plugins, CommonJS
 * output, better-sqlite3 and the other dependencies loaded from
 * node_modules), with bench/reviewRss.ts as its entry instead of
 * src-main/index.ts (which needs Electron). Run with plain `node`, so its
 * memory is that of built code, not of tsx compiling TypeScript as it loads.
 * Output: out/bench-rss/reviewRss.js (inside the repository, so that
 * require() finds node_modules).
 */
const main = (product as UserConfig).main as NonNullable<UserConfig['main']> & { build: NonNullable<NonNullable<UserConfig['main']>['build']> }

export default defineConfig({
  main: {
    ...main,
    build: {
      ...main.build,
      outDir: resolve(__dirname, '..', 'out', 'bench-rss'),
      lib: { entry: { reviewRss: resolve(__dirname, 'reviewRss.ts') }, formats: ['cjs'] },
    },
  },
})
