import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API server (apps/server) listens here in development and serves dist/ in production.
const apiTarget = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets become data: URLs, which the server's CSP only allows for images;
    // emitting every asset as a file keeps fonts and scripts within 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      // ws: the consultation's signaling socket lives under /api/v1 too.
      '/api': { target: apiTarget, ws: true },
      '/healthz': { target: apiTarget },
    },
  },
});
