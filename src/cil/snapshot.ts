// Whole-learner snapshots after every task (model, buffer/generator, class map, PRNG and optimizer
// state, metrics so far), written atomically: a temp file in the same folder, fsync, then rename, so a
// kill at any moment leaves either the previous snapshot or the new one, never a torn file.
import fs from 'node:fs';
import path from 'node:path';
import type { LearnerState } from './learner.js';
import { writeFileAtomic } from '../util/atomicWrite.js';

export const SNAPSHOT_FILE = 'snapshot.json';
export const SNAPSHOT_VERSION = 1;

export interface Snapshot<R = unknown, T = unknown> {
  version: 1;
  /** Canonical config of the run; resume refuses a different one. */
  config: string;
  completedTasks: number;
  learner: LearnerState;
  /** Per-task records and timings so far. */
  records: R[];
  timings: T[];
}

export function saveSnapshot(dir: string, snap: Snapshot, keepAll = false): void {
  const text = JSON.stringify(snap);
  writeFileAtomic(path.join(dir, SNAPSHOT_FILE), text);
  if (keepAll) writeFileAtomic(path.join(dir, 'snapshots', `task-${snap.completedTasks - 1}.json`), text);
}

/** The latest snapshot in `dir`, or null when there is none. */
export function loadSnapshot<R, T>(dir: string): Snapshot<R, T> | null {
  const file = path.join(dir, SNAPSHOT_FILE);
  if (!fs.existsSync(file)) return null;
  let s: Snapshot<R, T>;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot<R, T>;
  } catch (e) {
    throw new Error(`${file}: unreadable snapshot (${(e as Error).message})`);
  }
  if (s?.version !== SNAPSHOT_VERSION || typeof s.config !== 'string' || !Number.isInteger(s.completedTasks) ||
      !Array.isArray(s.records) || s.records.length !== s.completedTasks) {
    throw new Error(`${file}: not a bitspike CIL snapshot of version ${SNAPSHOT_VERSION}`);
  }
  return s;
}
