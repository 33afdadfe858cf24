// The tool contract in one place: every tool is data (name, title, description, annotations, zod
// input and output shapes) plus a handler over the injected context. `registerTools` turns PowerErrors
// into `isError` results an agent can act on, and redacts everything that leaves.
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { closeMatches } from '../core/did-you-mean.js';
import { formatError, PowerError, redactError, toPowerError } from '../core/errors.js';
import type { ToolContext } from './context.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolOutcome<O> {
  /** One or two sentences for a human; the JSON follows it in the text block. */
  summary: string;
  structured: O;
}

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  inputSchema: I;
  outputSchema: O;
  handler(args: z.infer<z.ZodObject<I>>, context: ToolContext, extra: ToolExtra): Promise<ToolOutcome<z.infer<z.ZodObject<O>>>>;
}

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(tool: ToolDefinition<I, O>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

export function errorResult(error: unknown, context: ToolContext): CallToolResult {
  const powerError = toPowerError(error);
  if (powerError.code === 'internal_error') {
    context.logger.log('error', `unexpected fault: ${powerError.message}`, { stack: (error as Error)?.stack });
  }
  const safe = redactError(powerError, context.secrets);
  // The text for a model to read; the same facts as data (stable code, message, hint) for a client.
  return {
    isError: true,
    content: [{ type: 'text', text: formatError(safe) }],
    structuredContent: { error: { code: safe.code, message: safe.message, ...(safe.hint ? { hint: safe.hint } : {}) } },
  };
}

/**
 * Masked before it is serialised: the walk sees each string once, whole. Two text blocks, so either
 * can be used alone: the human summary, and the same JSON as structuredContent (compact, so the text
 * never outgrows the structured part's caps).
 */
export function successResult<O>(outcome: ToolOutcome<O>, context: ToolContext): CallToolResult {
  const structured = context.secrets.redact(outcome.structured) as Record<string, unknown>;
  return {
    content: [
      { type: 'text', text: context.secrets.redactText(outcome.summary) },
      { type: 'text', text: JSON.stringify(structured) },
    ],
    structuredContent: structured,
  };
}

/**
 * Every input schema is strict: an unknown argument (`folder` for `folders`) is an invalid_argument
 * with a "did you mean", never silently ignored. The schema is registered loose so the unknown key
 * reaches this check (the SDK would drop it, or answer a bare zod error), and advertised with
 * `additionalProperties: false` so clients see it is strict.
 */
export function assertKnownArguments(tool: Pick<ToolDefinition, 'name' | 'inputSchema'>, args: Record<string, unknown>): void {
  const known = Object.keys(tool.inputSchema);
  const unknown = Object.keys(args).filter((key) => !known.includes(key));
  if (!unknown.length) return;
  const suggestions = unknown.map((key) => [key, closeMatches(key, known, 1)[0]] as const);
  const guesses = suggestions.filter(([, guess]) => guess).map(([key, guess]) => `"${key}" → "${guess}"`);
  throw new PowerError('invalid_argument', `Unknown argument${unknown.length === 1 ? '' : 's'} for ${tool.name}: ${unknown.map((key) => `"${key}"`).join(', ')}`, {
    hint: `${guesses.length ? `Did you mean ${guesses.join(', ')}? ` : ''}${tool.name} takes: ${known.join(', ')}.`,
    details: { unknown, known },
  });
}

export function registerTools(server: McpServer, tools: ToolDefinition[], context: ToolContext): RegisteredTool[] {
  return tools.map((tool) =>
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: z.looseObject(tool.inputSchema).meta({ additionalProperties: false }),
        outputSchema: compactOutput(tool.outputSchema),
        annotations: tool.annotations,
      },
      (async (args: Record<string, unknown>, extra: ToolExtra) => {
        try {
          assertKnownArguments(tool, args);
          context.onToolCall?.(tool.name);
          const outcome = await tool.handler(args as never, context, extra);
          await context.client.primeSecrets();
          return successResult(outcome, context);
        } catch (error) {
          await context.client.primeSecrets().catch(() => undefined);
          return errorResult(error, context);
        }
      }) as never,
    ),
  );
}

function shallow(type: z.ZodType): z.ZodType {
  if (type instanceof z.ZodOptional) return shallow(type.unwrap() as z.ZodType).optional();
  if (type instanceof z.ZodEnum) return z.enum(type.options as [string, ...string[]]);
  if (type instanceof z.ZodString) return z.string();
  if (type instanceof z.ZodNumber) return z.number();
  if (type instanceof z.ZodBoolean) return z.boolean();
  return z.unknown();
}

/**
 * The output schema the model reads: every top-level field, typed when it is a scalar or enum,
 * nested objects and lists left open.
 * The full zod schemas live in core (and tests check results against them); sending them whole
 * would triple tools/list, which every client loads before doing anything.
 */
export function compactOutput(shape: z.ZodRawShape): z.ZodRawShape {
  return Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, shallow(type as z.ZodType)]));
}
