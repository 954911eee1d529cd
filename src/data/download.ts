// Fetching dataset files over HTTP(S) (Node): follows redirects, resumes an interrupted transfer
// from its `.part` file with a Range request (or restarts when the server ignores ranges), verifies
// size and md5, then renames into place and unpacks archives. A checksum failure deletes the
// download and is an error: nothing unverified is ever left under the final name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { DataError } from './dataset.js';
import { extractTarGz, extractZip } from './extract.js';
import { REMOTE, type RemoteDataset, type RemoteFile } from './sources.js';

export interface DownloadOptions {
  /** Replace the dataset's mirrors with this base URL (tests, private mirrors). */
  baseUrl?: string;
  /** Attempts per file (each resumes where the previous stopped). Default 4. */
  attempts?: number;
  /** Socket inactivity timeout in ms. Default 60 000. */
  timeoutMs?: number;
  /** Progress and status lines (default: none). */
  log?: (line: string) => void;
  /** Override the registry entry (tests supply fixture checksums this way). */
  remote?: RemoteDataset;
}

export interface FileResult { file: string; status: 'present' | 'downloaded'; resumed: boolean; extracted?: number }

async function md5File(file: string): Promise<string> {
  const h = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

class HttpStatusError extends Error {
  constructor(readonly status: number, url: string) { super(`HTTP ${status} from ${url}`); }
}

/** One GET, following redirects; resolves with the response once headers arrive. */
function get(url: string, headers: Record<string, string>, timeoutMs: number, redirects = 5): Promise<{ res: http.IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!mod) { reject(new Error(`unsupported URL scheme in ${url}`)); return; }
    const req = mod.get(u, { headers: { 'user-agent': 'bitspike-data', ...headers } }, (res) => {
      const s = res.statusCode ?? 0;
      if (s >= 300 && s < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) { reject(new Error(`too many redirects from ${url}`)); return; }
        get(new URL(res.headers.location, u).toString(), headers, timeoutMs, redirects - 1).then(resolve, reject);
        return;
      }
      resolve({ res, url });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms from ${url}`)));
    req.on('error', reject);
  });
}

/** Streams the rest of `url` into `part`, resuming from its current size when the server allows. */
async function fetchInto(url: string, part: string, expectedSize: number | undefined, timeoutMs: number): Promise<{ resumed: boolean }> {
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (expectedSize !== undefined && have === expectedSize) return { resumed: true };
  if (expectedSize !== undefined && have > expectedSize) fs.rmSync(part);
  const offset = fs.existsSync(part) ? have : 0;
  const { res } = await get(url, offset > 0 ? { range: `bytes=${offset}-` } : {}, timeoutMs);
  const s = res.statusCode ?? 0;
  let append = false;
  if (s === 206 && offset > 0) {
    const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== offset) { res.resume(); fs.rmSync(part, { force: true }); throw new Error(`server answered range ${offset}- with '${res.headers['content-range']}'; partial file discarded`); }
    append = true;
  } else if (s === 416 && offset > 0) {
    // Range not satisfiable: the partial file is already complete (or bogus); the checksum decides.
    res.resume();
    return { resumed: true };
  } else if (s !== 200) {
    res.resume();
    throw new HttpStatusError(s, url);
  }
  const announced = Number(res.headers['content-length'] ?? NaN);
  const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
  let received = 0;
  // On a dropped connection, flush what did arrive before failing, so the next attempt resumes there.
  await new Promise<void>((resolve, reject) => {
    let err: Error | undefined;
    const fail = (e: Error): void => { if (err) return; err = e; res.unpipe(out); out.end(); };
    res.on('data', (c: Buffer) => { received += c.length; });
    res.on('aborted', () => fail(new Error(`connection closed after ${received} bytes`)));
    res.on('error', fail);
    out.on('error', (e) => { err ??= e; });
    out.on('close', () => (err ? reject(err) : resolve()));
    res.pipe(out);
  });
  if (Number.isFinite(announced) && received !== announced) throw new Error(`connection closed after ${received} of ${announced} bytes`);
  return { resumed: append };
}

/** Downloads and verifies one file into `dir`; returns whether it resumed. */
async function downloadFile(rd: RemoteDataset, f: RemoteFile, dir: string, opts: DownloadOptions): Promise<FileResult> {
  const log = opts.log ?? (() => {});
  const final = path.join(dir, f.file);
  const part = `${final}.part`;
  if (fs.existsSync(final)) {
    if (!f.md5 || (await md5File(final)) === f.md5) { log(`${f.file}: present${f.md5 ? ', md5 verified' : ''}`); return { file: final, status: 'present', resumed: false }; }
    log(`${f.file}: present but md5 differs from ${f.md5}; downloading again`);
    fs.rmSync(final);
  }
  const bases = opts.baseUrl ? [opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`] : rd.mirrors;
  const attempts = opts.attempts ?? 4;
  let resumed = false;
  let lastErr: unknown;
  let done = false;
  for (const base of bases) {
    const url = new URL(f.file, base).toString();
    for (let a = 1; a <= attempts && !done; a++) {
      try {
        log(`${f.file}: GET ${url}${fs.existsSync(part) ? ` (resuming at ${fs.statSync(part).size} bytes)` : ''}`);
        const r = await fetchInto(url, part, f.size, opts.timeoutMs ?? 60_000);
        resumed ||= r.resumed;
        done = true;
      } catch (e) {
        lastErr = e;
        log(`${f.file}: attempt ${a} failed: ${(e as Error).message}`);
        if (e instanceof HttpStatusError && e.status >= 400 && e.status < 500) break; // next mirror
      }
    }
    if (done) break;
  }
  if (!done) throw new DataError(final, `download failed: ${(lastErr as Error)?.message ?? 'no mirror'}${fs.existsSync(part) ? ` (partial file kept at ${part}; rerun to resume)` : ''}`);
  const size = fs.statSync(part).size;
  if (f.size !== undefined && size !== f.size) {
    fs.rmSync(part);
    throw new DataError(final, `downloaded ${size} bytes, expected ${f.size}; the partial file was deleted, rerun to retry`);
  }
  if (f.md5) {
    const got = await md5File(part);
    if (got !== f.md5) {
      fs.rmSync(part);
      throw new DataError(final, `md5 ${got} does not match the published ${f.md5}; the download was deleted, rerun to retry`);
    }
  }
  fs.renameSync(part, final);
  log(`${f.file}: ${size} bytes${f.md5 ? ', md5 verified' : ' (no published checksum)'}`);
  return { file: final, status: 'downloaded', resumed };
}

/**
 * Downloads dataset `name` into `<dataDir>/<dir>/`, verifying every file and unpacking archives
 * (an extraction marker makes reruns skip finished work).
 */
export async function downloadDataset(name: string, dataDir: string, opts: DownloadOptions = {}): Promise<FileResult[]> {
  const rd = opts.remote ?? REMOTE[name];
  if (!rd) throw new DataError(name, `no download source for this dataset (downloadable: ${Object.keys(REMOTE).join(', ')})`);
  const dir = path.join(dataDir, rd.dir);
  fs.mkdirSync(dir, { recursive: true });
  const results: FileResult[] = [];
  for (const f of rd.files) {
    const r = await downloadFile(rd, f, dir, opts);
    if (f.extract) {
      const marker = path.join(dir, `.${f.file}.extracted`);
      if (r.status === 'downloaded' || !fs.existsSync(marker)) {
        opts.log?.(`${f.file}: extracting into ${dir}`);
        r.extracted = f.extract === 'zip' ? extractZip(r.file, dir) : extractTarGz(r.file, dir);
        fs.writeFileSync(marker, `${r.extracted}\n`);
      }
    }
    results.push(r);
  }
  return results;
}
