// Runs after every test file: ends the file's shared run workers (see shared-workers.ts).
import { closeSharedWorkers } from './shared-workers.js';

afterAll(async () => {
  await closeSharedWorkers();
});
