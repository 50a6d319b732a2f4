import type { Request, Router } from 'express';
import { createSimulator } from '../common/simulator.ts';
import type {
  RunningSimulator,
  SimContext,
  SimulatorDefinition,
  SimulatorSpec,
  StartOptions,
} from '../common/types.ts';

/**
 * The common core knows request-driven simulators only. File droppers and delayed shipments also act on their
 * own (schedules, folder polling, delays), so this wraps `createSimulator` with a start/stop pair per instance.
 * Candidate for `../common/` once another simulator needs it; the logistics simulator imports it from here.
 */
export interface BackgroundParts<S> {
  spec: SimulatorSpec<S>;
  /** Called once the server listens: start schedules and pollers. */
  begin(sim: SimContext<S>): void;
  /** Called before the server closes: clear every timer. */
  stop(): void;
}

export interface BackgroundDefinition<O extends StartOptions> extends SimulatorDefinition {
  start(options?: O): Promise<RunningSimulator>;
}

export function createBackgroundSimulator<S, O extends StartOptions>(
  name: string,
  defaultPort: number,
  build: (options: O) => BackgroundParts<S>,
): BackgroundDefinition<O> {
  return {
    name,
    defaultPort,
    start: async (options?: O) => {
      const given = options ?? ({} as O);
      const parts = build(given);
      let context: SimContext<S> | undefined;
      const spec: SimulatorSpec<S> = {
        ...parts.spec,
        routes: (router: Router, sim: SimContext<S>) => {
          context = sim;
          parts.spec.routes(router, sim);
        },
      };
      const running = await createSimulator(spec, defaultPort).start(given);
      if (!context) throw new Error(`simulator ${name}: routes were never mounted`);
      parts.begin(context);
      return {
        ...running,
        close: async () => {
          parts.stop();
          await running.close();
        },
      };
    },
  };
}

/**
 * `recordEffect` takes the request that caused a change; changes made by a timer or a file poller have none,
 * so they are recorded against a stand-in naming what acted (method `TIMER` / `FILE`, path = the job or file).
 */
export function backgroundRequest(method: 'TIMER' | 'FILE', path: string): Request {
  return { method, path, res: undefined } as unknown as Request;
}

/** Timers of one simulator instance, all cleared on close. */
export class InstanceTimers {
  private readonly timeouts = new Set<NodeJS.Timeout>();
  private readonly intervals = new Set<NodeJS.Timeout>();

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timeouts.delete(timer);
      run();
    }, ms);
    this.timeouts.add(timer);
  }

  every(ms: number, run: () => void): void {
    this.intervals.add(setInterval(run, ms));
  }

  clear(): void {
    for (const timer of this.timeouts) clearTimeout(timer);
    for (const timer of this.intervals) clearInterval(timer);
    this.timeouts.clear();
    this.intervals.clear();
  }
}

/** Reads a number option: the start option, else an environment variable (what `eai sim` can pass today). */
export function numberOption(given: number | undefined, env: string, fallback: number): number {
  if (given !== undefined) return given;
  const text = process.env[env];
  const value = text === undefined ? Number.NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
}
