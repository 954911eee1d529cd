// Child process of the resume test: runs an experiment through the library runner and SIGKILLs its
// own process at the first epoch's minibatch `batch` of task `task`. SIGKILL cannot be caught, so the
// process dies exactly as a power cut or an OOM kill would leave it: mid-task, after the snapshot of
// task − 1, with nothing flushed or cleaned up. The fault lives here, not in the runner.
//   node build/test/cil/killMidTask.js CONFIG OUT TASK BATCH
import { parseConfig, readConfigFile } from '../../src/cil/config.js';
import { runExperiment } from '../../src/cil/runner.js';

const [cfgFile, out, task, batch] = process.argv.slice(2);
if (!cfgFile || !out || !/^\d+$/.test(task ?? '') || !/^\d+$/.test(batch ?? '')) {
  process.stderr.write('usage: killMidTask.js CONFIG OUT TASK BATCH\n');
  process.exit(2);
}
const cfg = parseConfig(readConfigFile(cfgFile), cfgFile);
await runExperiment(cfg, {
  outDir: out,
  reporter: {
    batch: (t, info) => {
      if (t === Number(task) && info.epoch === 0 && info.batch === Number(batch)) process.kill(process.pid, 'SIGKILL');
    },
  },
});
// Reaching this line means the kill point was never hit (the test treats exit code 3 as a failure).
process.exit(3);
