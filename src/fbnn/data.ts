// The FBNN-ER split of a dataset (methods-cil.md §3.2): the first `baseClasses` classes of the class
// order are the pre-training set; the remaining classes arrive in deployment tasks of `increment`
// classes. Images stay uint8 NHWC; labels are the dataset's class ids.
import { subset, type ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/registry.js';
import { buildClassIncremental, type ClassOrder, type Scenario } from '../data/scenario.js';
import { firstPerClass, samplesAt, type Samples } from '../cil/samples.js';
import type { FbnnErConfig } from './config.js';
import type { ImageGeometry } from './model.js';

export interface DeploymentTask {
  /** 0-based deployment step (the pre-training phase is not a step here). */
  index: number;
  classes: number[];
  train: Samples;
  /** Test images of this task's classes. */
  test: Samples;
}

export interface FbnnErData {
  geometry: ImageGeometry;
  numClasses: number;
  classNames: readonly string[];
  scenario: Scenario;
  base: { classes: number[]; train: Samples; test: Samples };
  tasks: DeploymentTask[];
}

async function load(c: FbnnErConfig, split: string, perClass: number | null): Promise<ImageDataset> {
  const ds = await loadDataset(c.data.dataset, split, { dataDir: c.data.dataDir ?? undefined });
  return perClass === null ? ds : subset(ds, firstPerClass(ds.labels, perClass));
}

/** Loads the train/test splits and cuts them into pre-training classes and deployment tasks. */
export async function loadFbnnErData(c: FbnnErConfig): Promise<FbnnErData> {
  const train = await load(c, 'train', c.data.trainPerClass);
  const test = await load(c, c.data.dataset === 'tiny-imagenet' ? 'val' : 'test', c.data.testPerClass);
  const numClasses = train.classNames.length;
  if (c.data.baseClasses >= numClasses) {
    throw new RangeError(`data.baseClasses = ${c.data.baseClasses} leaves no deployment classes (${c.data.dataset} has ${numClasses})`);
  }
  const scenario = buildClassIncremental(train.labels, test.labels, {
    numClasses, spec: { base: c.data.baseClasses, increment: c.data.increment }, order: c.data.classOrder as ClassOrder,
  });
  const [b, ...rest] = scenario.tasks;
  return {
    geometry: { height: train.shape.h, width: train.shape.w, channels: train.shape.c },
    numClasses, classNames: train.classNames, scenario,
    base: { classes: b.classes, train: samplesAt(train, b.train), test: samplesAt(test, b.test) },
    tasks: rest.map((t, i) => ({ index: i, classes: t.classes, train: samplesAt(train, t.train), test: samplesAt(test, t.test) })),
  };
}
