// Vite config of the bitspike web app. The page must be cross-origin isolated (COOP + COEP) so the
// wasm kernels get SharedArrayBuffer; without it the engine falls back to the slower reference
// kernels and cancel restarts the worker. The MNIST subset is (re)generated before serving/building.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
// @ts-expect-error: plain ESM build script without type declarations
import { OUT_DIR, writeMnistSubset } from './scripts/mnist-subset.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function mnistSubset(): Plugin {
  const ensure = (): void => {
    if (!fs.existsSync(path.join(OUT_DIR as string, 'manifest.json'))) (writeMnistSubset as () => unknown)();
  };
  return { name: 'bitspike-mnist-subset', buildStart: ensure, configureServer: ensure, configurePreviewServer: ensure };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [mnistSubset()],
  server: { headers: isolation, host: '127.0.0.1', port: 5173, fs: { allow: [path.resolve(here, '..')] } },
  preview: { headers: isolation, host: '127.0.0.1', port: 4173 },
  // Pre-bundled up front so the dev server never reloads the page when the worker first imports it.
  optimizeDeps: { include: ['fflate'] },
  worker: { format: 'es' },
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
});
