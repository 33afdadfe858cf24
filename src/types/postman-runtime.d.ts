// The small part of postman-runtime's API this project uses (the package ships no types).
declare module 'postman-runtime' {
  import type { Collection } from 'postman-collection';

  export interface RuntimeRun {
    start(callbacks: Record<string, (...args: any[]) => void>): void;
    abort(summarise?: boolean): void;
    pause?(): void;
    resume?(): void;
  }

  export class Runner {
    constructor(options?: Record<string, unknown>);
    run(collection: Collection, options: Record<string, unknown>, callback: (error: Error | null, run: RuntimeRun) => void): void;
  }

  const runtime: { Runner: typeof Runner; version: string };
  export default runtime;
}
