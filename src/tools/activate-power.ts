// activate_power: one call that says where things stand and what to do next. Plan task 3/5.
import { ActivationSchema, type Activation } from '../core/activate.js';
import { defineTool } from './define-tool.js';

/**
 * What the model reads beside the steps: the data without what the text says (version, steps) or what
 * restates an absence (unchecked key, no environment). structuredContent keeps it whole.
 */
function compactActivation({ power: _power, nextSteps: _steps, ...activation }: Activation): Record<string, unknown> {
  const { config, apiKey, collection, environment, backend } = activation;
  // Without a config the template is the fix: the generic problem and its hint would say it twice.
  const missing = !config.found && config.template;
  return {
    ready: activation.ready,
    config: missing ? { found: false, template: config.template, ...(config.discovered ? { discovered: config.discovered } : {}) } : config,
    ...(apiKey.present || apiKey.problem ? { apiKey } : {}),
    ...(collection.found || collection.problem ? { collection } : {}),
    ...(environment.found || environment.problem ? { environment } : {}),
    ...(backend.checked ? { backend } : {}),
  };
}

export const activatePowerTool = defineTool({
  name: 'activate_power',
  title: 'Activate Postman power',
  description:
    'Start here: is .postman.json valid (else a template), the API key valid, the collection and environment found, the backend up; then next steps. Works offline.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {},
  outputSchema: ActivationSchema.shape,
  async handler(_args, context) {
    const activation = await context.client.activatePower();
    const head = activation.ready
      ? `Postman power ${activation.power.version} is ready: "${activation.collection.name}" (${activation.collection.requests} requests)${activation.backend.status ? `, backend ${activation.backend.status}` : ''}.`
      : `Postman power ${activation.power.version} is not ready yet.`;
    return { summary: [head, 'Next steps:', ...activation.nextSteps].join('\n'), structured: activation, compact: compactActivation(activation) };
  },
});
