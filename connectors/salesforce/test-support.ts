import { createSalesforceAuth } from './auth.ts';
import { createSalesforceGet } from './record-reader.ts';

/** The connector's REST GET against a Salesforce simulator at `url`, signed in as `clientId`, no retries. */
export function simulatorGet(url: string, clientId: string) {
  const auth = createSalesforceAuth(
    { instanceUrl: url, clientId, clientSecret: 's', apiVersion: 'v62.0', authTimeoutMs: 5000 },
    'test',
  );
  return createSalesforceGet({
    instanceUrl: url,
    apiVersion: 'v62.0',
    timeoutMs: 5000,
    retries: 0,
    connector: 'test',
    auth,
    signal: new AbortController().signal,
  });
}
