// The config as it is shown (postman://config, `postman-power config`): normalised, redacted, with
// its file, shape, warnings and errors. One view, so the resource and the CLI say the same.
import { redactConfig, type ConfigState } from './config.js';

export function describeConfigState(state: ConfigState) {
  return {
    valid: !state.error,
    file: state.file ?? null,
    shape: state.config.shape,
    config: redactConfig(state.config),
    warnings: state.warnings,
    errors: state.error ? [state.error.toJSON()] : [],
  };
}
