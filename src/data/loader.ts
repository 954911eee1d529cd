// The contract between the registry, the cache and each format: planning lists the source files
// (cheap: directory listings only) so the cache can fingerprint them before any decoding happens.
import type { ImageDataset } from './dataset.js';

export interface LoadPlan {
  /** Every file the load will read; their paths, sizes and mtimes key the cache. */
  readonly files: readonly string[];
  /** Reads and decodes; throws DataError naming the file on any inconsistency. */
  load(): ImageDataset | Promise<ImageDataset>;
}

export interface LoadOptions {
  /** Resize images to size×size at load time (bilinear); CORe50 defaults to 32. */
  size?: number;
  /** CORe50 label level: 'object' (50 classes, default) or 'category' (10). */
  level?: 'object' | 'category';
}
