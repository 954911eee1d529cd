// Save and restore the whole learner in the browser: the learner file (the same bytes as the
// downloadable file) in IndexedDB under one key, written in a single transaction so a reload never
// sees half a save.
const DB_NAME = 'bitspike-web';
const STORE = 'learners';
const KEY = 'current';

export interface SavedLearner {
  bytes: Uint8Array;
  savedAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`IndexedDB '${DB_NAME}': ${req.error?.message ?? 'cannot open'}`));
  });
}

async function run<T>(mode: IDBTransactionMode, body: (s: IDBObjectStore) => IDBRequest | null): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve((req?.result ?? null) as T);
      tx.onerror = () => reject(new Error(`IndexedDB '${DB_NAME}': ${tx.error?.message ?? 'transaction failed'}`));
      tx.onabort = () => reject(new Error(`IndexedDB '${DB_NAME}': transaction aborted (${tx.error?.message ?? 'quota?'})`));
    });
  } finally {
    db.close();
  }
}

export function saveLearner(bytes: Uint8Array): Promise<void> {
  const record: SavedLearner = { bytes: bytes.slice(), savedAt: new Date().toISOString() };
  return run('readwrite', (s) => s.put(record, KEY));
}

export async function loadSavedLearner(): Promise<SavedLearner | null> {
  const r = await run<SavedLearner | null>('readonly', (s) => s.get(KEY));
  if (r === null || r === undefined) return null;
  if (!(r.bytes instanceof Uint8Array)) throw new Error(`IndexedDB '${DB_NAME}': the saved learner is not a byte array`);
  return r;
}

export function forgetSavedLearner(): Promise<void> {
  return run('readwrite', (s) => s.delete(KEY));
}
