// The postman-power binary's entry (bundled into dist/postman-power.cjs, started by dist/cli.js):
// everything is in cli/main.ts; this file only calls it.
import { main } from './cli/main.js';

void main(process.argv);
