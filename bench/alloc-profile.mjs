// Loaded into a daemon with `--import` (e.g. FLOE_DRAIN_NODE_ARGS="--import=./bench/alloc-profile.mjs"
// FLOE_ALLOC_PROF=<dir> node bench/drain-run.mjs ...): samples every allocation site of the whole
// run, collected objects included (a plain heap profile keeps only what is still alive), and
// writes a .heapprofile (Chrome DevTools' format) when the process exits. One sample per 64 KiB
// allocated on average; sizes per site are estimates, their proportions are what to read.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const dir = process.env.FLOE_ALLOC_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) writeFileSync(`${dir}/alloc-${process.pid}.heapprofile`, JSON.stringify(res.profile));
    });
  });
}
