/** Builds the operations console into console/dist, served by the platform at /console. */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  // Preact's automatic JSX runtime through Vite's own transform: no framework plugin (and no Babel) needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  // `npx vite console` while working on it: the admin API of a platform started locally on port 3000.
  server: { proxy: { '/admin': 'http://127.0.0.1:3000' } },
});
