import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { oauthBearerInitialResponse, oauthBearerMechanism } from './kafkajs-oauthbearer.ts';

const require = createRequire(import.meta.url);
/** kafkajs's own OAUTHBEARER first message (the mechanism this one replaces), to compare bytes with. */
const kafkajsRequest = require('kafkajs/src/protocol/sasl/oauthBearer/request') as (
  sasl: object,
  token: { value: string; extensions?: Record<string, string> },
) => Promise<{ encode: () => Promise<Buffer> }>;

/** A SaslAuthenticate answer's bytes as kafkajs hands them to a mechanism: length first. */
const withLength = (text: string) => {
  const bytes = Buffer.from(text);
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
};

type Exchange = { request: { encode: () => Buffer | Promise<Buffer> }; response?: object };

/** Runs the mechanism against a scripted broker: `answers` are the SaslAuthenticate answers in turn. */
async function exchange(answers: Array<string | Error>) {
  const sent: string[] = [];
  const mechanism = oauthBearerMechanism(async () => ({ value: 'eyJ.token.sig' }));
  const logger = { debug: () => undefined } as never;
  const saslAuthenticate = async ({ request, response }: Exchange) => {
    const bytes = await request.encode();
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    sent.push(bytes.subarray(4).toString());
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    if (!response) return undefined;
    const r = response as { decode: (b: Buffer) => Buffer; parse: (b: Buffer) => unknown };
    return r.parse(r.decode(withLength(answer ?? '')));
  };
  const outcome = await mechanism
    .authenticationProvider({ host: '127.0.0.1', port: 9093, logger, saslAuthenticate } as never)
    .authenticate()
    .then(
      () => 'authenticated',
      (e: Error) => `${e.name}: ${e.message}`,
    );
  return { sent, outcome };
}

describe('SASL/OAUTHBEARER for kafkajs', () => {
  it("writes the same first message as kafkajs's own mechanism, with and without extensions", async () => {
    for (const token of [
      { value: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' },
      { value: 'abc', extensions: { logicalCluster: 'lkc-1', identityPoolId: 'pool-2' } },
    ]) {
      const theirs = await (await kafkajsRequest({}, token)).encode();
      // kafkajs writes it with a 4-byte length, the SaslAuthenticate request's BYTES field.
      expect(oauthBearerInitialResponse(token).equals(theirs.subarray(4))).toBe(true);
      expect(theirs.readInt32BE(0)).toBe(theirs.length - 4);
    }
  });

  it('an empty answer is success: one message sent', async () => {
    const { sent, outcome } = await exchange(['']);
    expect(outcome).toBe('authenticated');
    expect(sent).toEqual(['n,,\u0001auth=Bearer eyJ.token.sig\u0001\u0001']);
  });

  it("a refusal's error challenge is answered with %x01, and the connection fails at once with the status and the broker's reason", async () => {
    const { sent, outcome } = await exchange([
      '{"status":"invalid_token"}',
      new Error('Authentication failed: Invalid signature'),
    ]);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe('\u0001');
    expect(outcome).toBe(
      'KafkaJSSASLAuthenticationError: SASL OAUTHBEARER authentication failed: invalid_token (Authentication failed: Invalid signature)',
    );
  });

  it('a challenge naming a scope, or not JSON at all, still fails in one line', async () => {
    expect(
      (await exchange(['{"status":"insufficient_scope","scope":"kafka"}', new Error('no')])).outcome,
    ).toBe(
      'KafkaJSSASLAuthenticationError: SASL OAUTHBEARER authentication failed: insufficient_scope, scope kafka (no)',
    );
    expect(
      (await exchange(['{"status":"invalid_token"}', new Error('{"status":"invalid_token"}')])).outcome,
    ).toBe('KafkaJSSASLAuthenticationError: SASL OAUTHBEARER authentication failed: invalid_token');
    expect((await exchange(['garbage', ''])).outcome).toBe(
      'KafkaJSSASLAuthenticationError: SASL OAUTHBEARER authentication failed: refused',
    );
  });
});
