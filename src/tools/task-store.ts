// MCP tasks (protocol revision 2025-11-25, experimental): a tool call made with `params.task` is
// answered at once with a task; the client follows it with tasks/get (status and a progress message),
// tasks/result (the same CallToolResult a blocking call gives) and tasks/cancel. The SDK answers those
// methods from a TaskStore; this one is backed by the work itself (a run and its record), so a task
// lives as long as its run record does and tasks/cancel really stops the run.
import { randomBytes } from 'node:crypto';
import type { TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { CallToolResult, Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js';

/** What a tool started as a task: its progress now, its result when it ends, a way to stop it. */
export interface TaskWork {
  /** A one-line status while it works (already masked). */
  progress(): string;
  /** Settles with the call's result when the work ends (cancelled work ends too). */
  result: Promise<CallToolResult>;
  cancel(reason: string): void;
  /** False once the work's record is gone (the run evicted): its task goes with it. */
  kept(): boolean;
}

/** How often a client is told to poll tasks/get. */
export const TASK_POLL_INTERVAL_MS = 1_000;
/** Tasks whose work never started (refused at once) kept for tasks/result: the most recent. */
const MAX_UNSTARTED_TASKS = 20;

interface Entry {
  task: Task;
  sessionId?: string;
  work?: TaskWork;
  /** The result, once known (work ended, or refused before it started). */
  result?: CallToolResult;
  cancelled?: boolean;
}

const now = () => new Date().toISOString();
const terminal = (status: Task['status']) => status === 'completed' || status === 'failed' || status === 'cancelled';

export class WorkTaskStore implements TaskStore {
  private readonly entries = new Map<string, Entry>();

  async createTask(_params: { ttl?: number | null; pollInterval?: number }, _requestId: RequestId, _request: Request, sessionId?: string): Promise<Task> {
    this.prune();
    const createdAt = now();
    // Kept as long as the work's record is (not a fixed time): ttl null says "no fixed lifetime".
    const task: Task = { taskId: randomBytes(16).toString('hex'), status: 'working', statusMessage: 'Starting.', ttl: null, createdAt, lastUpdatedAt: createdAt, pollInterval: TASK_POLL_INTERVAL_MS };
    this.entries.set(task.taskId, { task, sessionId });
    return { ...task };
  }

  /** The work a task's call started; a task cancelled before this stops it at once. */
  attach(taskId: string, work: TaskWork): void {
    const entry = this.entries.get(taskId);
    if (!entry) return work.cancel('Its task is gone.');
    entry.work = work;
    if (entry.cancelled) work.cancel('Cancelled with tasks/cancel.');
  }

  async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    const entry = this.lookup(taskId, sessionId);
    if (!entry) return null;
    if (!terminal(entry.task.status) && entry.work) {
      const message = entry.work.progress();
      if (message !== entry.task.statusMessage) Object.assign(entry.task, { statusMessage: message, lastUpdatedAt: now() });
    }
    return { ...entry.task };
  }

  async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result, sessionId?: string): Promise<void> {
    const entry = this.lookup(taskId, sessionId);
    if (!entry) throw new Error(`Task ${taskId} not found`);
    entry.result = result as CallToolResult;
    // A cancelled task stays cancelled; its result is the stopped run's.
    if (!entry.cancelled) entry.task.status = status;
    entry.task.statusMessage = entry.cancelled ? 'Cancelled with tasks/cancel.' : status === 'failed' ? 'Ended with an error: see tasks/result.' : 'Done: see tasks/result.';
    entry.task.lastUpdatedAt = now();
  }

  async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    const entry = this.lookup(taskId, sessionId);
    if (!entry) throw new Error(`Task ${taskId} not found`);
    if (entry.result) return entry.result;
    // Cancelled work still ends with its own answer (what ran before the stop).
    if (entry.work) return entry.work.result;
    if (entry.cancelled) return { isError: true, content: [{ type: 'text', text: 'cancelled: the task was cancelled before its work started.' }] };
    throw new Error(`Task ${taskId} has no result yet`);
  }

  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    const entry = this.lookup(taskId, sessionId);
    if (!entry) throw new Error(`Task ${taskId} not found`);
    if (terminal(entry.task.status)) throw new Error(`Task ${taskId} is already ${entry.task.status}`);
    if (status === 'cancelled') {
      entry.cancelled = true;
      entry.work?.cancel('Cancelled with tasks/cancel.');
    }
    Object.assign(entry.task, { status, lastUpdatedAt: now(), ...(statusMessage ? { statusMessage } : {}) });
  }

  async listTasks(cursor?: string, sessionId?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    this.prune();
    const ids = [...this.entries.keys()].filter((id) => this.lookup(id, sessionId));
    const start = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
    if (cursor !== undefined && start === 0) throw new Error(`Invalid cursor: ${cursor}`);
    const page = ids.slice(start, start + 20);
    const tasks = await Promise.all(page.map(async (id) => (await this.getTask(id, sessionId))!));
    return { tasks, ...(start + 20 < ids.length ? { nextCursor: page.at(-1) } : {}) };
  }

  private lookup(taskId: string, sessionId?: string): Entry | undefined {
    const entry = this.entries.get(taskId);
    if (!entry) return undefined;
    if (entry.work && !entry.work.kept()) {
      this.entries.delete(taskId);
      return undefined;
    }
    if (sessionId !== undefined && entry.sessionId !== undefined && entry.sessionId !== sessionId) return undefined;
    return entry;
  }

  /** Drops tasks whose work is gone, and the oldest of those that never started beyond the cap. */
  private prune(): void {
    const unstarted: string[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.work && !entry.work.kept()) this.entries.delete(id);
      else if (!entry.work && entry.result) unstarted.push(id);
    }
    for (const id of unstarted.slice(0, Math.max(0, unstarted.length - MAX_UNSTARTED_TASKS))) this.entries.delete(id);
  }
}
