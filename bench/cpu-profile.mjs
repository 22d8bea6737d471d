// Loaded with `--import` into the daemon when FLOE_BENCH_CPU_PROF is set (node refuses --cpu-prof
// in NODE_OPTIONS): profiles the whole process and writes a .cpuprofile when it exits.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const dir = process.env.FLOE_BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // The main-thread session answers synchronously, so the profile is written inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(`${dir}/daemon-${process.pid}.cpuprofile`, JSON.stringify(res.profile));
    });
  });
}
