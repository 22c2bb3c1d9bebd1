// Vite: `npm run dev` serves the app on http://127.0.0.1:5173 (the origin
// `make run` allows through CORS); `npm run build` writes dist/ with
// relative asset paths, so dist/ can be served from any path.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
});
