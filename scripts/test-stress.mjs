// `npm run test:stress`: `npm test` three times in a row while two processes burn the CPU beside
// it, as a busy CI machine would. Exits non-zero at the first failing round.
import { spawn, spawnSync } from 'node:child_process';

const ROUNDS = Number(process.env.STRESS_ROUNDS ?? 3);
const burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
const stop = () => burners.forEach((burner) => burner.kill('SIGKILL'));
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

let code = 0;
for (let round = 1; round <= ROUNDS && code === 0; round += 1) {
  const started = Date.now();
  process.stderr.write(`\n[test:stress] round ${round}/${ROUNDS}, two CPU burners running\n`);
  code = spawnSync('npm', ['test'], { stdio: 'inherit' }).status ?? 1;
  process.stderr.write(`[test:stress] round ${round}: ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
stop();
process.exit(code);
