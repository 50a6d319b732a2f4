import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_RECEIVED_AT } from '../../mappings/engine/fixtures.ts';
import { mappingsDir } from '../../mappings/index.ts';
import { testBus } from '../../tests/stack.ts';
import type { PreparedDocument } from './mapping-step.ts';
import { createSourceStep } from './source-step.ts';

/**
 * A source's mapping per sender (`mappingsBySender`): a file drop or a plain webhook names no sender, so the sender is
 * the one the document's reader finds (ISA06 here). On the test stack's bus: its schema registry; nothing is sent.
 */

const bus = testBus('/eai/tests');

// A partner's copy of the shipped 850 mapping that names the partner its own way.
const baseDir = mkdtempSync(join(tmpdir(), 'eai-source-step-'));
afterAll(() => rmSync(baseDir, { recursive: true, force: true }));
const shipped = readFileSync(join(mappingsDir, 'edi/x12-850.to-canonical.yaml'), 'utf8');
const partnerMapping = shipped
  .replace(/^ {2}system: .*$/m, `  system: "'edi:PARTNER'"`)
  .replace(/^input: /m, 'onlyByName: true\ninput: ');
expect(partnerMapping).toContain(`system: "'edi:PARTNER'"`);
writeFileSync(join(baseDir, 'partner-850.yaml'), partnerMapping);

const fixture = (name: string) => readFileSync(join(mappingsDir, '../formats/x12-850/fixtures', name));
// ISA06 828513080, and ACMESUPPLY.
const partnerPo = fixture('amt-ctt-td5-routing.edi');
const otherPo = fixture('several-st-sets.edi');

function keys(prepared: PreparedDocument): string[] {
  return prepared.records.map((record) => String(record.key));
}

describe('source step: mappingsBySender', () => {
  const step = createSourceStep(
    {
      name: 'partner-orders',
      mapping: 'edi/x12-850.to-canonical.yaml',
      mappingsBySender: { '828513080': 'partner-850.yaml' },
      baseDir,
    },
    bus,
  );

  it("maps a document with its reader's sender's mapping, others with the connector's mapping", async () => {
    for (let call = 0; call < 2; call++) {
      // The first call meets the registry for each mapping; the second knows both encoders.
      const partner = await step.prepareEagerly({
        format: 'x12-850',
        bytes: partnerPo,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      expect(partner.deadLettered).toEqual([]);
      expect(keys(partner)).toEqual(['edi:PARTNER:S41000440']);
      const other = await step.prepareEagerly({
        format: 'x12-850',
        bytes: otherPo,
        receivedAt: FIXTURE_RECEIVED_AT,
      });
      expect(keys(other)).toEqual(['edi:ACMESUPPLY:PO-A-1001', 'edi:ACMESUPPLY:PO-A-1002']);
    }
  });

  it('keeps the sender a source names over the one in the document', async () => {
    const named = await step.prepare({
      format: 'x12-850',
      bytes: otherPo,
      sender: '828513080',
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    expect(keys(named)).toEqual(['edi:PARTNER:PO-A-1001', 'edi:PARTNER:PO-A-1002']);
    const unknown = await step.prepare({
      format: 'x12-850',
      bytes: partnerPo,
      sender: 'SOMEONE-ELSE',
      receivedAt: FIXTURE_RECEIVED_AT,
    });
    expect(keys(unknown)).toEqual(['edi:828513080:S41000440']);
  });
});
