// Build of the console: a static single-page app written to /work/main/build/console
// (../../../build/console from here). `base: './'` makes every asset URL relative, so the same
// build works at a bucket's root, behind CloudFront, or under a path prefix of a local server;
// routing is by hash (HashRouter), so deep links need no server rewrites either.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../../build/console',
    emptyOutDir: true,
    // Cloudscape alone is a few hundred kB minified; pages are split per route instead.
    chunkSizeWarningLimit: 1500,
  },
});
