import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

const alias = { '@core': fileURLToPath(new URL('./src-core', import.meta.url)) }

// One project per zone, so each runs in the environment its code will meet:
// core and main under plain Node, the renderer in a DOM.
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: 'core', environment: 'node', include: ['src-core/**/*.test.ts'] } },
      { resolve: { alias }, test: { name: 'main', environment: 'node', include: ['src-main/**/*.test.ts'], testTimeout: 30_000 } },
      {
        plugins: [vue()],
        resolve: { alias },
        test: { name: 'renderer', environment: 'happy-dom', include: ['src-renderer/**/*.test.ts'] },
      },
      { resolve: { alias }, test: { name: 'cross', environment: 'node', include: ['tests/**/*.test.ts'], testTimeout: 120_000 } },
    ],
  },
})
