import { describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../connectors/index.ts';
import { definitionFromConnect } from './connectors-connect.ts';

const plugins = new Map(builtinPlugins.map((plugin) => [plugin.type, plugin]));

describe("Kafka Connect's flat config as a hub definition", () => {
  it("nests a dotted key under the definition's object fields (outputTopics, mappingsBySender, restart), not the type's options", () => {
    expect(
      definitionFromConnect(
        {
          'connector.class': 'webhook-source',
          'tasks.max': '1',
          name: 'partner-orders',
          format: 'x12-850',
          'outputTopics.eai.canonical.SalesOrderEvent': 'tenant-a.orders',
          'mappingsBySender.ACMECORP': 'partners/acme-850.to-canonical.yaml',
          'restart.enabled': 'false',
          'signature.scheme': 'none',
          batchSize: '50',
        },
        plugins,
      ),
    ).toEqual({
      type: 'webhook-source',
      name: 'partner-orders',
      format: 'x12-850',
      outputTopics: { 'eai.canonical.SalesOrderEvent': 'tenant-a.orders' },
      mappingsBySender: { ACMECORP: 'partners/acme-850.to-canonical.yaml' },
      restart: { enabled: false },
      config: { signature: { scheme: 'none' }, batchSize: 50 },
    });
  });
});
