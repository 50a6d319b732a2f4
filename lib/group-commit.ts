/**
 * Group commit: callers submit jobs one at a time and each awaits its own result, while the jobs are done a batch at
 * a time, e.g. in one database transaction (one commit, one set of batched statements, instead of one each). A job
 * submitted while no batch runs starts one at once (no timer: one caller alone waits no longer than before); jobs
 * submitted while a batch runs wait for it to end and go together in the next, up to `maxBatch`. This is how a
 * consumer that hands many records to its handler at once (the bus's `concurrency`) gets them into one transaction.
 *
 * Jobs with the same `key` never share a batch: the later one waits for the next, so it sees what the earlier one
 * did. A batch that fails is done again one job at a time, so that only the job that fails fails (a record that
 * cannot be matched is dead-lettered alone, not with its neighbours); each caller gets its own job's error.
 */
export interface GroupCommitOptions<J, R> {
  /** Does the jobs, together; resolves with one result per job, in order. */
  run: (jobs: J[]) => Promise<R[]>;
  /** Jobs of one key are done in different batches, in the order submitted. */
  key?: (job: J) => string;
  /** Most jobs in a batch (default 500). */
  maxBatch?: number;
  /** Told after each batch that was done, with its size (for metrics and tests). */
  onBatch?: (size: number) => void;
}

interface Waiting<J, R> {
  job: J;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommit<J, R> {
  submit(job: J): Promise<R>;
  /** Jobs submitted and not yet done. */
  readonly pending: number;
}

export function groupCommit<J, R>(options: GroupCommitOptions<J, R>): GroupCommit<J, R> {
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const queue: Array<Waiting<J, R>> = [];
  let running = false;

  /** The next batch: jobs in the order submitted, a key's second job left for the next batch (with those after it of that key). */
  function take(): Array<Waiting<J, R>> {
    if (!options.key) return queue.splice(0, maxBatch);
    const keys = new Set<string>();
    const batch: Array<Waiting<J, R>> = [];
    const left: Array<Waiting<J, R>> = [];
    for (const waiting of queue) {
      const key = options.key(waiting.job);
      if (batch.length < maxBatch && !keys.has(key)) batch.push(waiting);
      else left.push(waiting);
      keys.add(key);
    }
    queue.splice(0, queue.length, ...left);
    return batch;
  }

  async function runOne(waiting: Waiting<J, R>): Promise<void> {
    try {
      const [result] = await options.run([waiting.job]);
      options.onBatch?.(1);
      waiting.resolve(result as R);
    } catch (error) {
      waiting.reject(error);
    }
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = take();
        let results: R[];
        try {
          results = await options.run(batch.map((w) => w.job));
        } catch (error) {
          if (batch.length === 1) batch[0]?.reject(error);
          // One at a time: the job that fails fails alone.
          else for (const waiting of batch) await runOne(waiting);
          continue;
        }
        options.onBatch?.(batch.length);
        batch.forEach((waiting, i) => {
          waiting.resolve(results[i] as R);
        });
      }
    } finally {
      running = false;
    }
  }

  return {
    submit(job) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        if (!running) void drain();
      });
    },
    get pending() {
      return queue.length;
    },
  };
}
