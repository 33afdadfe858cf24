// activate_power: one call that says where things stand and what to do next. Plan task 3/5.
import { ActivationSchema } from '../core/activate.js';
import { defineTool } from './define-tool.js';

export const activatePowerTool = defineTool({
  name: 'activate_power',
  title: 'Activate Postman power',
  description:
    'Start here: is .postman.json valid (else a template to write), the API key valid, the collection and environment found, the backend up; then numbered next steps. Works offline.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {},
  outputSchema: ActivationSchema.shape,
  async handler(_args, context) {
    const activation = await context.client.activatePower();
    const head = activation.ready
      ? `Postman power ${activation.power.version} is ready: "${activation.collection.name}" (${activation.collection.requests} requests)${activation.backend.status ? `, backend ${activation.backend.status}` : ''}.`
      : `Postman power ${activation.power.version} is not ready yet.`;
    return { summary: [head, 'Next steps:', ...activation.nextSteps].join('\n'), structured: activation };
  },
});
