// Worker-thread entry of eventEvaluateThreaded: rebuilds the network from its state once, then
// simulates each chunk it is sent and posts the result back. Each worker has its own engine, so
// chunks share nothing and give what they give in the calling thread.
import { parentPort, workerData } from 'node:worker_threads';
import { buildNetworkSynapses } from '../snn/eventSim.js';
import { eventEvaluate } from '../snn/eventEval.js';
import { SpikeGradNetwork } from '../snn/network.js';
import type { EventEvalReply, EventEvalRequest, EventEvalWorkerData } from './eventEvalPool.js';

const data = workerData as EventEvalWorkerData;
const net = SpikeGradNetwork.fromState(data.state);
const synapses = buildNetworkSynapses(net);
const post = (m: EventEvalReply): void => parentPort!.postMessage(m);
parentPort!.on('message', (m: EventEvalRequest) => {
  if (m.type === 'stop') { parentPort!.close(); return; }
  try {
    post({ type: 'result', id: m.id, result: eventEvaluate(net, m.x, m.n, { inputTicks: data.inputTicks, synapses }) });
  } catch (e) {
    post({ type: 'error', message: (e as Error).message, stack: (e as Error).stack ?? '' });
  }
});
