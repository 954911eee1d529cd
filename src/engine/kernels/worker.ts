// Worker entry for the threaded wasm kernels: instantiates the kernel module on the shared memory,
// says 'ready', then serves calls posted through its slot of the control block until told to exit.
// Platform-neutral: the first message arrives through Node's parentPort or a Web Worker's `self`.

import { CTRL_ARGS, CTRL_DONE, CTRL_EXIT, CTRL_FN, CTRL_GO, CTRL_NARGS, CTRL_SLOT, CTRL_STATUS, type WorkerInit } from './threadProtocol.js';

type Fn = (...args: number[]) => void;

function serve(init: WorkerInit, reply: (msg: unknown) => void): void {
  const inst = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const fns = init.functions.map((name) => inst.exports[name] as Fn);
  const ctl = new Int32Array(init.control);
  const b = init.slot * CTRL_SLOT;
  let seen = Atomics.load(ctl, b + CTRL_GO);
  reply('ready');
  for (;;) {
    let v: number;
    let spins = 0;
    // Spin a little first: calls often come in bursts (forward, backward) and a futex wake is slow.
    while ((v = Atomics.load(ctl, b + CTRL_GO)) === seen) {
      if (++spins > 2000) Atomics.wait(ctl, b + CTRL_GO, v);
    }
    seen = v;
    const fn = ctl[b + CTRL_FN];
    if (fn === CTRL_EXIT) break;
    try {
      const args = Array.from(ctl.subarray(b + CTRL_ARGS, b + CTRL_ARGS + ctl[b + CTRL_NARGS]));
      fns[fn](...args);
      ctl[b + CTRL_STATUS] = 0;
    } catch {
      ctl[b + CTRL_STATUS] = 1;
    }
    Atomics.store(ctl, b + CTRL_DONE, seen);
    Atomics.notify(ctl, b + CTRL_DONE);
  }
}

interface WebWorkerScope {
  onmessage: ((e: { data: WorkerInit }) => void) | null;
  postMessage(msg: unknown): void;
  close(): void;
}

const scope = globalThis as unknown as { WorkerGlobalScope?: unknown } & WebWorkerScope;
if (typeof scope.WorkerGlobalScope !== 'undefined') {
  scope.onmessage = (e) => {
    scope.onmessage = null;
    serve(e.data, (m) => scope.postMessage(m));
    scope.close();
  };
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort?.once('message', (init: WorkerInit) => {
    serve(init, (m) => parentPort.postMessage(m));
    parentPort.close();
  });
}
