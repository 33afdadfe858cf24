// The tool contract in one place: every tool is data (name, title, description, annotations, zod
// input and output shapes) plus a handler over the injected context. `toolHandlers` answers tools/list
// and tools/call for them, turns PowerErrors into `isError` results an agent can act on, and redacts
// everything that leaves.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { ErrorCode, McpError, type CallToolRequest, type CallToolResult, type CreateTaskResult, type ListToolsResult, type ServerNotification, type ServerRequest, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { closeMatches } from '../core/did-you-mean.js';
import { formatError, PowerError, redactError, toPowerError } from '../core/errors.js';
import { excerpt } from '../core/json-text.js';
import type { ToolContext } from './context.js';
import { TASK_POLL_INTERVAL_MS, type TaskWork, type WorkTaskStore } from './task-store.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolOutcome<O> {
  /** One or two sentences for a human; the JSON follows it in the text block. */
  summary: string;
  structured: O;
  /** The JSON the model reads, when it is shorter than the data (structuredContent stays whole). */
  compact?: Record<string, unknown>;
}

/** What a tool call made as a task started: work to follow, or an answer it had at once. */
export type TaskStart<O> = { work: TaskWork } | { outcome: ToolOutcome<O> };

export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  inputSchema: I;
  outputSchema: O;
  handler(args: z.infer<z.ZodObject<I>>, context: ToolContext, extra: ToolExtra): Promise<ToolOutcome<z.infer<z.ZodObject<O>>>>;
  /** Present when the tool can run as an MCP task (taskSupport "optional"): starts the work and returns. */
  startTask?(args: z.infer<z.ZodObject<I>>, context: ToolContext, extra: ToolExtra): Promise<TaskStart<z.infer<z.ZodObject<O>>>>;
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
  const compact = outcome.compact ? context.secrets.redact(outcome.compact) : structured;
  return {
    content: [
      { type: 'text', text: context.secrets.redactText(outcome.summary) },
      { type: 'text', text: JSON.stringify(compact) },
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
  const guesses = suggestions.filter(([, guess]) => guess).map(([key, guess]) => `"${excerpt(key)}" → "${guess}"`);
  throw new PowerError('invalid_argument', `Unknown argument${unknown.length === 1 ? '' : 's'} for ${tool.name}: ${unknown.slice(0, 10).map((key) => `"${excerpt(key)}"`).join(', ')}${unknown.length > 10 ? `, … (${unknown.length} in all)` : ''}`, {
    hint: `${guesses.length ? `Did you mean ${guesses.join(', ')}? ` : ''}${tool.name} takes: ${known.join(', ')}.`,
    details: { unknown, known },
  });
}

/** Unknown arguments are refused (with a "did you mean") by assertKnownArguments; the schema says so too. */
const inputObject = (tool: ToolDefinition) => z.looseObject(tool.inputSchema).meta({ additionalProperties: false });

/** A schema without `propertyNames: {type: "string"}` anywhere: JSON object keys are strings anyway. */
function withoutStringKeys(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutStringKeys);
  if (!schema || typeof schema !== 'object') return schema;
  const entries = Object.entries(schema).filter(([key, value]) => !(key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}'));
  return Object.fromEntries(entries.map(([key, value]) => [key, withoutStringKeys(value)]));
}

/**
 * tools/list as the SDK writes it, without what only restates a default: the `$schema` line on every
 * schema (the draft-07 keywords used here mean the same in MCP's default dialect), `propertyNames`
 * saying an object's keys are strings,
 * `execution.taskSupport: "forbidden"` (the default), and in the compact output schemas the
 * `required` list and the closing of the object (they stay open, like their nested parts; the full
 * schemas in core are what results are checked against). Every client loads this before anything else.
 */
export function listTools(tools: ToolDefinition[]): ListToolsResult {
  const schema = (object: z.ZodType, pipeStrategy: 'input' | 'output') =>
    toJsonSchemaCompat(object as never, { strictUnions: true, pipeStrategy }) as Record<string, unknown>;
  return {
    tools: tools.map((tool) => {
      const { $schema: _inputDialect, ...inputSchema } = schema(inputObject(tool), 'input');
      const { $schema: _outputDialect, required: _required, additionalProperties: _closed, ...outputSchema } = schema(z.object(compactOutput(tool.outputSchema)), 'output');
      return {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: withoutStringKeys(inputSchema) as Tool['inputSchema'],
        outputSchema: withoutStringKeys(outputSchema) as Tool['outputSchema'],
        annotations: tool.annotations,
        ...(tool.startTask ? { execution: { taskSupport: 'optional' as const } } : {}),
      };
    }),
  };
}

/** A call's arguments checked as the SDK checks them for a blocking call, and for unknown keys; invalid_argument otherwise. */
function parseArguments(tool: ToolDefinition, args: Record<string, unknown>): Record<string, unknown> {
  assertKnownArguments(tool, args);
  const parsed = inputObject(tool).safeParse(args);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.') || '(arguments)', message: issue.message }));
  throw new PowerError('invalid_argument', `Invalid arguments for ${tool.name}`, { hint: `Check the listed argument${issues.length === 1 ? '' : 's'} against ${tool.name}'s input schema.`, details: { issues } });
}

/** What the server answers tools/list and tools/call with (src/server.ts routes both here once the core is loaded). */
export interface ToolHandlers {
  list(): ListToolsResult;
  call(request: CallToolRequest, extra: ToolExtra): Promise<CallToolResult | CreateTaskResult>;
}

/**
 * tools/call, blocking or as a task. A blocking call: its arguments checked (unknown keys with a "did
 * you mean", then the schema), the handler, the result masked and its structured part checked against
 * the advertised output schema, as the SDK's McpServer checks it. With `params.task`: a task at once,
 * the work in the background, its result stored for tasks/result (isError → "failed", as the 2025-11-25
 * revision says for tool calls). The SDK's McpServer would poll a task-capable tool's task for a
 * blocking call instead, which would replace wait_ms/get_run for clients that never asked for a task.
 */
export function toolHandlers(tools: ToolDefinition[], context: ToolContext, store?: WorkTaskStore): ToolHandlers {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const outputs = new Map<string, z.ZodType>();
  const outputSchema = (tool: ToolDefinition) => outputs.get(tool.name) ?? outputs.set(tool.name, z.object(compactOutput(tool.outputSchema))).get(tool.name)!;
  // Worked out on the first tools/list: the JSON schemas take milliseconds (the bundle carries them built, src/server.ts).
  let listing: ListToolsResult | undefined;

  /** The outcome masked (after the client has learned the call's secrets) or the error, as a result. */
  const answer = async (tool: ToolDefinition, outcome: () => Promise<ToolOutcome<unknown> | { result: CallToolResult }>): Promise<CallToolResult> => {
    try {
      const done = await outcome();
      await context.client.primeSecrets();
      if ('result' in done) return done.result;
      const result = successResult(done, context);
      const checked = outputSchema(tool).safeParse(result.structuredContent);
      if (!checked.success) throw new Error(`${tool.name} answered outside its output schema: ${checked.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      return result;
    } catch (error) {
      await context.client.primeSecrets().catch(() => undefined);
      return errorResult(error, context);
    }
  };

  const blocking = (tool: ToolDefinition, args: Record<string, unknown>, extra: ToolExtra) =>
    answer(tool, async () => {
      const parsed = parseArguments(tool, args);
      context.onToolCall?.(tool.name);
      return tool.handler(parsed as never, context, extra);
    });

  const asTask = async (tool: ToolDefinition, args: Record<string, unknown>, ttl: number | null | undefined, extra: ToolExtra): Promise<CreateTaskResult> => {
    const taskStore = extra.taskStore;
    if (!taskStore || !store) throw new McpError(ErrorCode.InternalError, 'No task store');
    const task = await taskStore.createTask({ ttl, pollInterval: TASK_POLL_INTERVAL_MS });
    void (async () => {
      const result = await answer(tool, async () => {
        const parsed = parseArguments(tool, args);
        context.onToolCall?.(tool.name);
        const started = await tool.startTask!(parsed as never, context, extra);
        if ('outcome' in started) return started.outcome;
        store.attach(task.taskId, started.work);
        return { result: await started.work.result };
      });
      await taskStore.storeTaskResult(task.taskId, result.isError ? 'failed' : 'completed', result).catch(() => undefined);
    })();
    return { task };
  };

  return {
    list: () => (listing ??= listTools(tools)),
    async call(request, extra) {
      const { name, arguments: args = {}, task } = request.params;
      const tool = byName.get(name);
      if (!tool) {
        const guess = closeMatches(name, [...byName.keys()], 1)[0];
        // The name is the caller's: masked like everything else that leaves.
        throw new McpError(ErrorCode.InvalidParams, context.secrets.redactText(`Unknown tool ${excerpt(name)}${guess ? `: did you mean ${guess}?` : ''} (tools/list names them)`));
      }
      if (!task) return blocking(tool, args, extra);
      if (!tool.startTask) throw new McpError(ErrorCode.MethodNotFound, `${tool.name} does not run as a task (its execution.taskSupport is "forbidden"): call it without "task"`);
      return asTask(tool, args, task.ttl, extra);
    },
  };
}

function shallow(type: z.ZodType): z.ZodType {
  if (type instanceof z.ZodOptional) return shallow(type.unwrap() as z.ZodType).optional();
  // A field with a default may be left out of an answer (parsing restores it).
  if (type instanceof z.ZodDefault) return shallow(type.unwrap() as z.ZodType).optional();
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
  // `error` is what an isError result carries instead: { code, message, hint }.
  return { ...Object.fromEntries(Object.entries(shape).map(([key, type]) => [key, shallow(type as z.ZodType)])), error: z.unknown().optional() };
}
