// The page: controls, readouts and persistence. All learning happens in the worker (client.ts); the
// page only renders what the worker commits and saves each committed learner file to IndexedDB.
import { CancelledError, LearnerClient } from './client.js';
import { grayCanvas, imageFileData, toMnist } from './drawing.js';
import { IMAGE_DIM, IMAGE_SIDE, MAX_CLASSES, MNIST_CLASSES, type BackboneChoice, type Committed, type ExemplarGrid, type LearnerView, type Settings } from './protocol.js';
import { forgetSavedLearner, loadSavedLearner, saveLearner } from './store.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

let client: LearnerClient;
/** The .onnx encoder the worker has loaded, used by the next new learner (null: the MLP). */
let encoder: string | null = null;
let view: LearnerView | null = null;
const examples: Uint8Array[] = [];

function setStatus(text: string, isError = false): void {
  const s = $('status');
  s.textContent = text;
  s.style.color = isError ? '#ff9b9b' : '';
}

const pct = (a: number | null): string => (a === null || Number.isNaN(a) ? '–' : `${(100 * a).toFixed(1)}%`);
/** kB as the CLI demo prints them: 1 kB = 1,000 bytes = 8,000 bits. */
const kB = (bits: number): string => `${(bits / 8000).toFixed(1)} kB`;
/** Hidden widths a backbone starts with (the binary one is the CLI demo's). */
const HIDDEN_DEFAULT: Record<BackboneChoice, string> = { binary: '256,256', float: '256,128' };

// ---- busy state / progress --------------------------------------------------------------------
const BUSY_CONTROLS = ['new-learner', 'teach-next', 'teach-drawn', 'classify', 'export', 'export-c', 'import', 'forget', 'resample', 'encoder'];

/** Export C needs a binary learner with at least one class. */
function syncExportC(): void {
  const b = $<HTMLButtonElement>('export-c');
  const ok = view !== null && (view.settings.backbone ?? 'float') === 'binary' && view.classes.length > 0;
  b.disabled = !ok;
  b.title = ok ? '' : 'needs a learner with the binary backbone that has learned a class';
}
async function busy<T>(what: string, job: () => Promise<T>): Promise<T | undefined> {
  document.body.dataset.state = 'busy';
  document.body.classList.add('busy');
  for (const id of BUSY_CONTROLS) ($(id) as HTMLButtonElement).disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  setStatus(`${what}…`);
  try {
    const r = await job();
    return r;
  } catch (e) {
    if (e instanceof CancelledError) { setStatus(`${what}: cancelled; the learner is as it was before`); return undefined; }
    setStatus(`${what} failed: ${(e as Error).message}`, true);
    return undefined;
  } finally {
    for (const id of BUSY_CONTROLS) ($(id) as HTMLButtonElement).disabled = false;
    syncExportC();
    $<HTMLButtonElement>('cancel').disabled = true;
    $<HTMLProgressElement>('progress').value = 0;
    $('progress-text').textContent = '';
    document.body.classList.remove('busy');
    document.body.dataset.state = 'idle';
  }
}

function onProgress(p: { phase: string; fraction: number; loss: number | null }): void {
  $<HTMLProgressElement>('progress').value = p.fraction;
  $('progress-text').textContent = `${p.phase}${p.loss !== null ? ` · loss ${p.loss.toFixed(3)}` : ''}`;
}

// ---- rendering -----------------------------------------------------------------------------------
function renderAccuracy(v: LearnerView): void {
  const acc = $('acc-current');
  acc.textContent = pct(v.currentAccuracy);
  acc.dataset.value = v.currentAccuracy === null ? '' : String(v.currentAccuracy);
  $('acc-classes').textContent = String(v.classes.length);
  const name = (c: number): string => v.classes.find((k) => k.id === c)?.name ?? String(c);
  const h = v.history;
  const head = `<tr><th>after task</th><th>classes</th><th>images</th><th>train ms</th><th>all so far</th>${h.map((r) => `<th>task ${r.task}</th>`).join('')}</tr>`;
  const rows = h.map((r) => `<tr data-task="${r.task}"><td>${r.task}</td><td>${r.classes.map(name).join(', ')}${r.source === 'drawn' ? ' ✎' : ''}</td><td>${r.trainSamples}</td><td>${r.trainMs}</td>` +
    `<td class="acc" data-value="${r.accuracy}"><strong>${pct(r.accuracy)}</strong></td>${h.map((_, j) => `<td>${j < r.perTask.length ? pct(r.perTask[j]) : ''}</td>`).join('')}</tr>`).join('');
  $('acc-table').innerHTML = head + rows;
}

function renderMemory(v: LearnerView): void {
  const m = v.memory;
  // The CLI demo's parts: model (weights + class map), memory (generator or buffer), total; the
  // indented rows break them down.
  const rows: [string, string, string, number, boolean][] = [
    ['model', 'model', `${v.modelNote}; + class map`, m.modelBits + m.classMapBits, true],
    ['weights', '· weights', 'deployed weights and per-unit scalars', m.modelBits, false],
    ['class-map', '· class map', 'output unit → class id', m.classMapBits, false],
    ['memory', 'memory', v.memoryNote, m.generatorBits + m.bufferBits, true],
    ['generator', '· generator', 'generative memory parameters', m.generatorBits, false],
    ['buffer', '· buffer', 'stored samples + labels', m.bufferBits, false],
    ['auxiliary', 'auxiliary', 'teacher copies, class means', m.auxiliaryBits, true],
    ['total', 'total', 'everything kept between tasks', m.totalBits, true],
  ];
  $('mem-table').innerHTML = '<tr><th>part</th><th>what</th><th>kB</th><th>bits</th></tr>' + rows.map(([k, label, what, bits, main]) =>
    `<tr class="${main ? 'main' : 'sub'}"><td>${label}</td><td style="text-align:left">${what}</td>` +
    `<td data-testid="mem-${k}-kb">${main ? `<strong>${kB(bits)}</strong>` : kB(bits)}</td><td data-testid="mem-${k}-bits" data-bits="${bits}">${bits.toLocaleString('en-US')}</td></tr>`).join('') +
    `<tr class="note"><td>training</td><td style="text-align:left">optimizer slots (not counted)</td><td>${kB(m.trainingStateBits)}</td><td>${m.trainingStateBits.toLocaleString('en-US')}</td></tr>`;
  $('mem-note').textContent = `${v.strategyLabel}: memory = ${v.memoryNote}. Bits as counted by the learner (Learner.memory()); 1 kB = 1,000 bytes = 8,000 bits, as in the CLI demo.`;
}

function renderExemplars(g: ExemplarGrid): void {
  $('ex-title').textContent = g.title;
  $('ex-explain').textContent = g.explanation;
  const grid = $('ex-grid');
  grid.innerHTML = '';
  if (!g.rows.length) return;
  const table = document.createElement('table');
  for (const row of g.rows) {
    const tr = document.createElement('tr');
    for (const cell of row) {
      const td = document.createElement('td');
      td.appendChild(grayCanvas(cell.pixels, cell.width, cell.height, cell.width > 20 ? 2 : 3));
      const cap = document.createElement('div');
      cap.className = 'cap';
      cap.textContent = cell.caption;
      td.appendChild(cap);
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
  grid.appendChild(table);
}

function render(v: LearnerView): void {
  view = v;
  renderAccuracy(v);
  renderMemory(v);
  const next = nextClasses();
  $('teach-next').textContent = next.length ? `Teach next task: digits ${next.join(', ')}` : 'All digits learned';
  $<HTMLButtonElement>('teach-next').dataset.classes = next.join(',');
  const s = v.settings;
  $<HTMLSelectElement>('strategy').value = s.strategyId;
  $<HTMLSelectElement>('backbone').value = s.backbone ?? 'float';
  input('hidden').value = s.hidden.join(',');
  input('epochs').value = String(s.epochs);
  input('batch').value = String(s.batchSize);
  input('lr').value = String(s.lr);
  input('per-class').value = String(s.trainPerClass);
  input('seed').value = String(s.seed);
  showStrategyNote();
}

async function refreshExemplars(): Promise<void> {
  renderExemplars(await client.request({ type: 'exemplars', perClass: 3 }));
}

/** Shows a committed learner and saves it (IndexedDB) so a reload restores it. */
async function commit(c: Committed, how: string, save = true): Promise<void> {
  client.lastCommitted = c.file;
  render(c.view);
  if (save) {
    await saveLearner(c.file);
    $('saved').textContent = `saved in this browser (IndexedDB, ${(c.file.length / 1024).toFixed(0)} KiB) at ${new Date().toLocaleTimeString()}`;
    $('saved').dataset.bytes = String(c.file.length);
  }
  await refreshExemplars();
  setStatus(`${how} · ${statusTail()}`);
}

function statusTail(): string {
  const h = client.hello;
  return `kernels: ${h.backend}${h.crossOriginIsolated ? ' (cross-origin isolated)' : ' (not cross-origin isolated: slower reference kernels)'} · cancel: ${client.sharedCancel ? 'shared flag' : 'restart worker'}`;
}

// ---- actions -------------------------------------------------------------------------------------
function nextClasses(): number[] {
  const learned = new Set(view?.classes.map((c) => c.id) ?? []);
  const size = Math.max(1, Math.min(MNIST_CLASSES, Number(input('task-size').value) || 2));
  return Array.from({ length: MNIST_CLASSES }, (_, i) => i).filter((c) => !learned.has(c)).slice(0, size);
}

function readSettings(): Settings {
  return {
    strategyId: $<HTMLSelectElement>('strategy').value,
    backbone: $<HTMLSelectElement>('backbone').value as BackboneChoice,
    hidden: input('hidden').value.split(',').map((s) => Number(s.trim())),
    epochs: Number(input('epochs').value), batchSize: Number(input('batch').value), lr: Number(input('lr').value),
    trainPerClass: Number(input('per-class').value), seed: Number(input('seed').value), encoder,
  };
}

function showStrategyNote(): void {
  const c = client.hello.strategies.find((s) => s.id === $<HTMLSelectElement>('strategy').value);
  $('strategy-note').textContent = c ? `memory: ${c.memoryNote}` : '';
}

async function newLearner(): Promise<void> {
  await busy('creating a learner', async () => commit(await client.request({ type: 'create', settings: readSettings() }), 'new learner'));
}

async function teachNext(): Promise<void> {
  const classes = nextClasses();
  if (!classes.length) { setStatus('all ten digits are learned; draw a new class'); return; }
  await busy(`learning digits ${classes.join(', ')}`, async () =>
    commit(await client.request({ type: 'learnTask', classes }, onProgress), `learned digits ${classes.join(', ')}`));
}

function drawnLabel(name: string): number {
  // A digit name teaches that MNIST class from drawings; any other name gets the next free id ≥ 10.
  if (/^[0-9]$/.test(name)) return Number(name);
  const used = new Set(view?.classes.map((c) => c.id) ?? []);
  for (let c = MNIST_CLASSES; c < MAX_CLASSES; c++) if (!used.has(c)) return c;
  throw new RangeError(`no free class id: this app's learner holds at most ${MAX_CLASSES} classes`);
}

async function teachDrawn(): Promise<void> {
  const name = input('class-name').value.trim();
  await busy(`learning the drawn class '${name}'`, async () => {
    if (examples.length < 1) throw new RangeError('add at least one example (draw, then "Add as example", or upload images)');
    const images = new Uint8Array(examples.length * IMAGE_DIM);
    examples.forEach((e, i) => images.set(e, i * IMAGE_DIM));
    const c = await client.request({ type: 'learnDrawn', label: drawnLabel(name), name, images }, onProgress);
    examples.length = 0;
    renderExamples();
    await commit(c, `learned '${name}' from ${images.length / IMAGE_DIM} examples`);
  });
}

function padImage(): Uint8Array {
  const pad = $<HTMLCanvasElement>('pad');
  return toMnist(pad.getContext('2d')!.getImageData(0, 0, pad.width, pad.height));
}

function renderExamples(): void {
  const box = $('examples');
  box.innerHTML = '';
  for (const e of examples) box.appendChild(grayCanvas(e, IMAGE_SIDE, IMAGE_SIDE, 1));
  box.dataset.count = String(examples.length);
}

async function classify(): Promise<void> {
  await busy('classifying the drawing', async () => {
    const r = await client.request({ type: 'predict', images: padImage() });
    const v = view!;
    const name = (c: number): string => v.classes.find((k) => k.id === c)?.name ?? String(c);
    const order = [...v.classes.keys()].sort((a, b) => r.probabilities[0][b] - r.probabilities[0][a]).slice(0, 3);
    const top = order.map((i) => `${name(v.classes[i].id)} ${(100 * r.probabilities[0][i]).toFixed(0)}%`).join(', ');
    $('prediction').textContent = `prediction: ${name(r.predictions[0])} (softmax: ${top})`;
    setStatus(`classified · ${statusTail()}`);
  });
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url; a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function setupPad(): void {
  const pad = $<HTMLCanvasElement>('pad');
  const g = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = (): void => { g.fillStyle = '#000'; g.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.addEventListener('pointerdown', (e) => { pad.setPointerCapture(e.pointerId); last = at(e); });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    g.strokeStyle = '#fff'; g.lineWidth = 16; g.lineCap = 'round';
    g.beginPath(); g.moveTo(...last); g.lineTo(...p); g.stroke();
    last = p;
  });
  const end = (): void => { last = null; };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointerleave', end);
  $('clear-pad').addEventListener('click', clear);
  $('add-example').addEventListener('click', () => {
    try { examples.push(padImage()); renderExamples(); clear(); } catch (e) { setStatus((e as Error).message, true); }
  });
}

async function main(): Promise<void> {
  document.body.dataset.state = 'busy';
  client = await LearnerClient.start(() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
  const sel = $<HTMLSelectElement>('strategy');
  for (const s of client.hello.strategies) sel.add(new Option(s.label, s.id));
  sel.value = client.hello.defaults.strategyId;
  sel.addEventListener('change', showStrategyNote);
  $<HTMLSelectElement>('backbone').value = client.hello.defaults.backbone ?? 'float';
  input('hidden').value = client.hello.defaults.hidden.join(',');
  input('per-class').max = String(client.hello.trainPerClass);
  setupPad();
  $('new-learner').addEventListener('click', () => void newLearner());
  $('teach-next').addEventListener('click', () => void teachNext());
  $('teach-drawn').addEventListener('click', () => void teachDrawn());
  $('classify').addEventListener('click', () => void classify());
  $('cancel').addEventListener('click', () => void client.cancel());
  $('resample').addEventListener('click', () => void busy('sampling', refreshExemplars));
  input('task-size').addEventListener('change', () => view && render(view));
  $<HTMLSelectElement>('backbone').addEventListener('change', () => { input('hidden').value = HIDDEN_DEFAULT[$<HTMLSelectElement>('backbone').value as BackboneChoice]; });
  $('export-c').addEventListener('click', () => void busy('exporting C', async () => {
    const r = await client.request({ type: 'exportC' });
    const text = new TextEncoder();
    download(text.encode(r.header), `${r.name}.h`);
    download(text.encode(r.source), `${r.name}.c`);
    setStatus(`downloaded ${r.name}.h and ${r.name}.c (${r.classIds.length} outputs → classes ${r.classIds.join(', ')}) · ${statusTail()}`);
  }));
  $('export').addEventListener('click', () => void busy('exporting', async () => {
    const r = await client.request({ type: 'export' });
    download(r.file, r.name);
    setStatus(`downloaded ${r.name} (${r.file.length} bytes) · ${statusTail()}`);
  }));
  input('import').addEventListener('change', () => {
    const f = input('import').files?.[0];
    if (!f) return;
    void busy(`loading ${f.name}`, async () => {
      const bytes = new Uint8Array(await f.arrayBuffer());
      await commit(await client.request({ type: 'import', bytes, source: f.name }), `loaded ${f.name}`);
    }).finally(() => { input('import').value = ''; });
  });
  input('encoder').addEventListener('change', () => {
    const f = input('encoder').files?.[0];
    if (!f) return;
    void busy(`loading encoder ${f.name}`, async () => {
      const r = await client.request({ type: 'loadEncoder', bytes: new Uint8Array(await f.arrayBuffer()), name: f.name });
      encoder = r.name;
      // An imported encoder is a float network: new learners built on it use the float backbone.
      $<HTMLSelectElement>('backbone').value = 'float';
      $('encoder-note').textContent = `${r.summary}. New learners use it as a frozen backbone (GBM's binarizer and the hidden layers train on top).`;
      setStatus(`loaded encoder ${r.name} · ${statusTail()}`);
    }).finally(() => { input('encoder').value = ''; });
  });
  input('upload').addEventListener('change', () => void (async () => {
    for (const f of Array.from(input('upload').files ?? [])) {
      try { examples.push(toMnist(await imageFileData(f))); } catch (e) { setStatus(`${f.name}: ${(e as Error).message}`, true); }
    }
    renderExamples();
    input('upload').value = '';
  })());
  $('forget').addEventListener('click', () => void busy('forgetting the saved learner', async () => {
    await forgetSavedLearner();
    $('saved').textContent = 'nothing saved in this browser (the next change saves again)';
    setStatus(`forgot the saved learner · ${statusTail()}`);
  }));

  document.body.dataset.state = 'idle';
  await busy('restoring', async () => {
    const saved = await loadSavedLearner().catch((e: Error) => { setStatus(e.message, true); return null; });
    if (saved) {
      try {
        await commit(await client.request({ type: 'import', bytes: saved.bytes, source: 'IndexedDB' }), `restored from IndexedDB (saved ${saved.savedAt})`);
        $('saved').dataset.restored = saved.savedAt;
        return;
      } catch (e) {
        // Keep the saved file until the user changes something: a new learner is not saved over it yet.
        await commit(await client.request({ type: 'create', settings: { ...client.hello.defaults, strategyId: sel.value } }), 'new learner', false);
        $('saved').textContent = 'the learner saved in this browser could not be restored; it is kept until the next change';
        setStatus(`could not restore the saved learner (${(e as Error).message}); this is a new one`, true);
        return;
      }
    }
    await commit(await client.request({ type: 'create', settings: { ...client.hello.defaults, strategyId: sel.value } }), 'new learner');
  });
}

// A small hook for tests and the console: the worker's predictions on the bundled test images.
(globalThis as unknown as { bitspikeApp: unknown }).bitspikeApp = {
  predictTest: () => client.request({ type: 'predictTest' }),
  view: () => view,
};

main().catch((e) => { document.body.dataset.state = 'failed'; setStatus(`the app failed to start: ${(e as Error).message}`, true); });
