import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../lib/errors.ts';
import { kafkaUnreachable } from './security-errors.ts';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('kafkaUnreachable', () => {
  it("says kafkajs's failure to reach any broker as Kafka at the brokers, and what to set", async () => {
    // Seen in the ops trial: `eai up` with KAFKA_BROKERS at a closed port waited out kafkajs's retries and ended in
    // "eai: Connection error: connect ECONNREFUSED 127.0.0.1:19999", naming neither Kafka nor the variable.
    const brokers = `127.0.0.1:${await closedPort()}`;
    const kafka = new Kafka({
      brokers: [brokers],
      retry: { retries: 1, initialRetryTime: 20 },
      logLevel: logLevel.NOTHING,
    });
    const failure = await kafka
      .admin()
      .connect()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const said = kafkaUnreachable(failure, brokers);
    expect(said).toBeInstanceOf(RetriableError);
    expect(said!.message).toMatch(
      new RegExp(
        `^cannot reach Kafka at ${brokers.replaceAll('.', '\\.')} \\(Connection error: connect ECONNREFUSED .+\\): is the stack up\\? npx eai stack up, or set KAFKA_BROKERS$`,
      ),
    );
    expect(said!.cause).toBe(failure);
  });

  it('leaves any other failure as it is', () => {
    expect(
      kafkaUnreachable(new Error('Topic with this name already exists'), '127.0.0.1:9092'),
    ).toBeUndefined();
  });
});
