import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { shippedInboundMapping } from '../index.ts';
import { startBudget } from './budget.ts';
import { fixtureInputs } from './fixtures.ts';
import { mapDocument } from './run.ts';
import { fullyCompiled, mapFast, NEEDS_JSONATA } from './run-fast.ts';

/**
 * Every shipped inbound mapping runs on the compiled path (run-fast.ts): each of its expressions compiled, and its
 * fixtures mapped without falling back to JSONata's walk (which maps an EDI document 5-10 times slower). A mapping
 * that stops compiling (a construct fast-path.ts does not know) fails here, not in a benchmark.
 */
const formats = [
  'shopify-order',
  'x12-850',
  'x12-856',
  'edifact-orders',
  'edifact-desadv',
  'sap-idoc-orders05',
  'salesforce-cdc',
  'epcis-2',
  'hubspot-contact',
  'odoo-sale-order',
  'csv',
];

describe('shipped mappings on the compiled path', () => {
  for (const format of formats) {
    it(`${format}: every expression compiles, and every fixture JSONata maps is mapped without it`, async () => {
      const mapping = shippedInboundMapping(format);
      expect(fullyCompiled(mapping)).toBe(true);
      let fast = 0;
      for (const file of fixtureInputs(mapping.fixturesDir)) {
        let documents: ReturnType<ReturnType<typeof findReader>['parse']>;
        try {
          documents = findReader(format).parse(readFileSync(file));
        } catch {
          continue; // a fixture the reader refuses: nothing to map
        }
        for (const document of documents) {
          const doc = {
            format,
            kind: document.kind,
            id: document.id,
            source: document.source,
            receivedAt: 'x',
          };
          let fellBack = false;
          try {
            mapFast(mapping, document.tree, doc, startBudget({}));
            fast++;
          } catch (error) {
            if (error !== NEEDS_JSONATA) throw error;
            fellBack = true;
          }
          // Only a document the mapping refuses (its `$error`, a value that does not fit) is JSONata's to map.
          if (fellBack)
            await expect(mapDocument(mapping, document), `${file} fell back to JSONata`).rejects.toThrow();
        }
      }
      expect(fast).toBeGreaterThan(0);
    }, 60_000);
  }
});
