// What a collection's scripts visibly do (the variables and headers they set, the requests they
// send, the flow they change), read from their syntax trees (acorn), never by pattern-matching text.
// A hint for the outline an agent reads, never a safety decision: every script runs in a context of
// its own whatever it contains (engine/script-context.ts).
import { parse, type Node } from 'acorn';
import { ancestor } from 'acorn-walk';

type AnyNode = Node & Record<string, any>;

function propertyName(member: AnyNode): string | undefined {
  if (!member.computed && member.property.type === 'Identifier') return member.property.name as string;
  if (member.property.type === 'Literal') return String(member.property.value);
  return undefined;
}

/** What a script visibly does to a run: the variables and headers it sets, requests it sends, flow it changes. */
export interface ScriptEffects {
  /** Variable keys set through pm.{environment,variables,collectionVariables,globals}.set or postman.set*Variable. */
  sets: string[];
  /** True when a key is computed (`pm.environment.set(name, …)`): what it sets cannot be named. */
  setsComputed: boolean;
  /** Header keys added or changed on the request. */
  headers: string[];
  sendsRequests: boolean;
  /** setNextRequest / skipRequest: the run's order is not the collection's. */
  flow: string[];
  /** The script does not parse (the sandbox will fail it too). */
  unparsed?: boolean;
}

const SCOPES = new Set(['environment', 'variables', 'collectionVariables', 'globals', 'iterationData']);
const LEGACY_SETTERS = new Set(['setEnvironmentVariable', 'setGlobalVariable']);
const FLOW = new Set(['setNextRequest', 'skipRequest']);

/** Reads a script's effects from its syntax tree (not its text): literal keys are named, computed ones flagged. */
export function scriptEffects(source: string): ScriptEffects {
  const effects: ScriptEffects = { sets: [], setsComputed: false, headers: [], sendsRequests: false, flow: [] };
  let program: AnyNode;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true }) as AnyNode;
  } catch {
    return { ...effects, unparsed: true };
  }
  const literal = (node: AnyNode | undefined): string | undefined => (node?.type === 'Literal' && typeof node.value === 'string' ? node.value : node?.type === 'TemplateLiteral' && node.expressions.length === 0 ? node.quasis[0].value.cooked : undefined);
  const add = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  ancestor(program as Node, {
    CallExpression(node: AnyNode) {
      const callee = node.callee.type === 'ChainExpression' ? node.callee.expression : node.callee;
      if (callee.type !== 'MemberExpression') return;
      const method = propertyName(callee);
      const owner = callee.object as AnyNode;
      const ownerName = owner.type === 'MemberExpression' ? propertyName(owner) : owner.type === 'Identifier' ? owner.name : undefined;
      const first = node.arguments[0] as AnyNode | undefined;
      if ((method === 'set' && ownerName && SCOPES.has(ownerName)) || (method && LEGACY_SETTERS.has(method))) {
        const key = literal(first);
        if (key === undefined) effects.setsComputed = true;
        else add(effects.sets, key);
      } else if ((method === 'add' || method === 'upsert') && ownerName === 'headers') {
        const key = first?.type === 'ObjectExpression' ? literal(first.properties.find((p: AnyNode) => p.type === 'Property' && (p.key.name === 'key' || p.key.value === 'key'))?.value) : undefined;
        add(effects.headers, key ?? '(computed)');
      } else if (method === 'addHeader') {
        add(effects.headers, literal(first) ?? '(computed)');
      } else if (method === 'sendRequest') {
        effects.sendsRequests = true;
      } else if (method && FLOW.has(method)) {
        add(effects.flow, method);
      }
    },
  } as never);
  return effects;
}
