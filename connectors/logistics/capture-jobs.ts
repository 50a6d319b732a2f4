import { randomUUID } from 'node:crypto';

/**
 * EPCIS 2.0 capture jobs (the `CaptureJob` of the REST binding's `GET /capture/{captureID}`). The hub answers a
 * capture only once its events are on Kafka, so a job is finished when it is created; it is kept so a client can
 * follow the `Location` it was given. In memory, the oldest forgotten first.
 */
export interface CaptureJob {
  captureID: string;
  createdAt: string;
  finishedAt: string;
  running: false;
  success: boolean;
  captureErrorBehaviour: 'proceed';
  errors: Array<{ type: string; title: string; status: number }>;
  /** The hub's own counts: records published and documents dead-lettered (`dlq.mapping`). */
  published: number;
  deadLettered: number;
}

export class CaptureJobs {
  private readonly capacity: number;
  private readonly jobs = new Map<string, CaptureJob>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** A finished job for an accepted capture: failed (with an error) when its document was dead-lettered. */
  finished(counts: { published: number; deadLettered: number }, startedAt: Date): CaptureJob {
    const job: CaptureJob = {
      captureID: randomUUID(),
      createdAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      running: false,
      success: counts.deadLettered === 0,
      captureErrorBehaviour: 'proceed',
      errors:
        counts.deadLettered === 0
          ? []
          : [
              {
                type: 'epcisException:ValidationException',
                title: 'the document could not be mapped; it is kept in the dead-letter topic dlq.mapping',
                status: 400,
              },
            ],
      published: counts.published,
      deadLettered: counts.deadLettered,
    };
    this.jobs.set(job.captureID, job);
    if (this.jobs.size > this.capacity) this.jobs.delete(this.jobs.keys().next().value!);
    return job;
  }

  get(id: string): CaptureJob | undefined {
    return this.jobs.get(id);
  }
}
