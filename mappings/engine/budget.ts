import { AsyncLocalStorage } from 'node:async_hooks';
import { getHeapStatistics } from 'node:v8';
import { DOCUMENT_BUDGET } from './compile.ts';
import { MappingError } from './errors.ts';

/** What mapping one document may still spend (compile.ts's DOCUMENT_BUDGET unless the caller sets its own). */
export interface Budget {
  deadlineMs: number;
  memoryBytes: number;
  deadline: number;
  /** The heap at the document's first reading (its 32nd field); -1 until then. */
  heapAtStart: number;
  ticks: number;
}

/** V8's used heap: what process.memoryUsage().heapUsed says, without its resident-set reading (~7× the cost). */
const heapUsed = () => getHeapStatistics().used_heap_size;

export function startBudget(options: { deadlineMs?: number; memoryBudgetBytes?: number }): Budget {
  const deadlineMs = options.deadlineMs ?? DOCUMENT_BUDGET.deadlineMs;
  return {
    deadlineMs,
    memoryBytes: options.memoryBudgetBytes ?? DOCUMENT_BUDGET.memoryBytes,
    deadline: performance.now() + deadlineMs,
    // Read at the 32nd field, not here: most documents are done before it, and two heap readings a document were
    // 2-3 % of a mapping thread's time on 1 KB orders (bench:connectors). A document's first 32 fields are not
    // counted against its memory budget; no 32 fields of a mapping come near the default budget.
    heapAtStart: -1,
    ticks: 0,
  };
}

/** Why a document past its deadline is refused, said the same wherever the deadline struck. */
export function pastDeadline(deadlineMs: number): string {
  return `refused: mapping it took longer than the per-document deadline of ${deadlineMs / 1000} s; split the document, or raise the deadline where the mapping runs`;
}

/** Throws the MappingError that refuses the document once it is past its deadline or memory budget. */
export function checkBudget(mappingFile: string, budget: Budget, now = false): void {
  // Every 32nd field (or `now`): a clock read and a heap reading cost little, but not nothing.
  if (++budget.ticks % 32 !== 0 && !now) return;
  if (performance.now() > budget.deadline)
    throw new MappingError(mappingFile, '(document)', pastDeadline(budget.deadlineMs), undefined, {
      wholeDocument: true,
    });
  if (budget.heapAtStart < 0) {
    // A document checked only at its end (`now`) before its 32nd field never had its heap read: nothing to compare.
    if (budget.ticks >= 32) budget.heapAtStart = heapUsed();
    return;
  }
  const grown = heapUsed() - budget.heapAtStart;
  if (grown > budget.memoryBytes) {
    throw new MappingError(
      mappingFile,
      '(document)',
      `refused: mapping it took more than the per-document memory budget of ${Math.round(budget.memoryBytes / 1024 / 1024)} MiB; split the document, or raise the budget where the mapping runs`,
      undefined,
      { wholeDocument: true },
    );
  }
}

/** The budget of the document being mapped, through every await of its JSONata evaluations (run.ts sets it). */
export const documentBudget = new AsyncLocalStorage<Budget>();

/** The budget of the document run-fast.ts maps: synchronous, so no other document's evaluation runs meanwhile. */
let synchronousBudget: Budget | undefined;

/**
 * Runs a synchronous mapping under the document's budget without an AsyncLocalStorage context (which costs a
 * document about what a fast-path field does): nothing else runs until it returns.
 */
export function withinBudget<T>(budget: Budget, run: () => T): T {
  const outer = synchronousBudget;
  synchronousBudget = budget;
  try {
    return run();
  } finally {
    synchronousBudget = outer;
  }
}

/**
 * JSONata's options for an expression bounded by the document's deadline. JSONata's own timeout compares the time
 * since an evaluation began, or, inside a function a let defines, since the evaluation that made the function (which
 * may be long before), with a timeout fixed when the expression is compiled, once for every document. So this
 * judges the deadline itself, of the document whose evaluation runs: JSONata reads `timeout` at every step, and
 * past the deadline the getter throws JSONata's own timeout error (D1012); before, it is 0, so JSONata reads no clock
 * of its own. (`stack`, never reached, is what makes JSONata install the check at all.)
 */
let steps = 0;
export const jsonataDeadline = {
  stack: Number.MAX_SAFE_INTEGER,
  get timeout(): number {
    // Every 64th step: the clock and the context lookup at every step cost a let-heavy mapping a third of its time.
    if (++steps % 64 === 0) throwPastDeadline();
    return 0;
  },
};

let items = 0;
/**
 * For the loops of compiled expressions (fast-codegen.ts), which JSONata's guardrail does not reach: every 1,024th
 * item, throws JSONata's timeout error once the document is past its deadline. Whoever catches it, JSONata then
 * answers and refuses the document at its first check (run.ts rethrows it as the deadline).
 */
export function deadlineTick(): void {
  if (++items % 1024 === 0) throwPastDeadline();
}

/** JSONata's own timeout error (D1012), once the document being mapped is past its deadline. */
function throwPastDeadline(): void {
  const budget = synchronousBudget ?? documentBudget.getStore();
  if (budget && performance.now() > budget.deadline) throw { code: 'D1012', value: budget.deadlineMs };
}
