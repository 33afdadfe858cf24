// A run's defaults where nothing (the call, the project, the CLI) says otherwise. Apart from the
// config's schemas so the launcher can size a run process before zod or the config have loaded.

/**
 * Request and script timeouts default to none, as in newman (0 = no limit). The overall run timeout
 * is ours (newman has none): an agent's run must end. README states the difference.
 */
export const DEFAULT_RUN = { requestTimeoutMs: 0, scriptTimeoutMs: 0, runTimeoutMs: 600_000, maxResponseBytes: 50 * 1024 * 1024, bail: false as const };
