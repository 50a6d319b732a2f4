import { getHeapStatistics } from 'node:v8';
import { DOCUMENT_BUDGET } from './compile.ts';
import { MappingError } from './errors.ts';

/** What mapping one document may still spend (compile.ts's DOCUMENT_BUDGET unless the caller sets its own). */
export interface Budget {
  deadlineMs: number;
  memoryBytes: number;
  deadline: number;
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
    heapAtStart: heapUsed(),
    ticks: 0,
  };
}

/** Throws the MappingError that refuses the document once it is past its deadline or memory budget. */
export function checkBudget(mappingFile: string, budget: Budget): void {
  // Every 32nd field: a clock read and a heap reading cost little, but not nothing.
  if (++budget.ticks % 32 !== 0) return;
  if (performance.now() > budget.deadline) {
    throw new MappingError(
      mappingFile,
      '(document)',
      `refused: mapping it took longer than the per-document deadline of ${budget.deadlineMs / 1000} s; split the document, or raise the deadline where the mapping runs`,
    );
  }
  const grown = heapUsed() - budget.heapAtStart;
  if (grown > budget.memoryBytes) {
    throw new MappingError(
      mappingFile,
      '(document)',
      `refused: mapping it took more than the per-document memory budget of ${Math.round(budget.memoryBytes / 1024 / 1024)} MiB; split the document, or raise the budget where the mapping runs`,
    );
  }
}
