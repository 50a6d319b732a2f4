import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from './errors.ts';
import { clearOAuthTokens, oauthTokenProvider } from './oauth-token.ts';

// A token endpoint behind a proxy that answers its own page: the start of that page is all the error can say.
let server: Server;
let url: string;
const page =
  '<html><body>Session of Jane Roe (jane.roe@example.com) expired; access_token=eyJhbGciOi.secret.part</body></html>';

beforeAll(async () => {
  server = createServer((_, response) => {
    response.writeHead(502, { 'content-type': 'text/html' });
    response.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  clearOAuthTokens();
  await new Promise((resolve) => server.close(resolve));
});

describe("a token endpoint's answer as the error quotes it", () => {
  it('is a quoted value, credentials redacted: "…" to a viewer and the logs, the text to an operator', async () => {
    const token = oauthTokenProvider({
      variables: {
        tokenEndpointUrl: 'EAI_X_TOKEN_ENDPOINT_URL',
        clientId: 'EAI_X_CLIENT_ID',
        clientSecret: 'EAI_X_CLIENT_SECRET',
        scope: 'EAI_X_SCOPE',
        ca: 'EAI_X_CA',
      },
      tokenEndpointUrl: url,
      clientId: 'hub',
      clientSecret: 'not-shown',
    });
    const message = await token().then(
      () => 'no error',
      (error: Error) => error.message,
    );
    expect(withoutDocumentValues(message)).toBe(`OAuth token endpoint ${url} answered 502: "…"`);
    expect(withoutValueMarks(message)).toContain('answered 502: <html><body>Session of Jane Roe');
    expect(message).toContain('access_token=[redacted]');
    expect(message).not.toContain('secret.part');
  });
});
