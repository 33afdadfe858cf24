// The codes of warnings that code reads back (summary.warningCodes: code → its text), so nothing
// recognises a warning by its wording. Apart from the summary's schemas: the run process's launcher
// names out_of_memory before zod has loaded.
export const WARNING_CODES = ['out_of_memory', 'reports_not_written', 'unresolved_variables', 'unchecked_errors', 'deprecated_apis', 'parallel_lanes', 'runtime_stopped', 'history_not_compared', 'shards_missing'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

/** The warning a run's process leaves when a heap limit ended it (engine/run-process-spawn.ts). */
export const OUT_OF_MEMORY: WarningCode = 'out_of_memory';
