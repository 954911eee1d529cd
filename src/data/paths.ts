// Where datasets are read from and where decoded caches are written. Kept apart on purpose: a data
// directory may be read-only (CI lays ../shared/data without write bits), so nothing is written there.
import os from 'node:os';
import path from 'node:path';
import { DataError } from './dataset.js';

/** The data directory: the explicit flag, else $BITSPIKE_DATA, else a clear error. */
export function resolveDataDir(flag?: string): string {
  const dir = flag ?? process.env.BITSPIKE_DATA;
  if (!dir) {
    throw new DataError('data directory', 'not set: pass --data-dir DIR or set BITSPIKE_DATA (e.g. BITSPIKE_DATA=../shared/data)');
  }
  return path.resolve(dir);
}

/** The cache directory: flag, else $BITSPIKE_CACHE, else $XDG_CACHE_HOME/bitspike, else ~/.cache/bitspike. */
export function resolveCacheDir(flag?: string): string {
  const dir = flag ?? process.env.BITSPIKE_CACHE;
  if (dir) return path.resolve(dir);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'bitspike');
}
