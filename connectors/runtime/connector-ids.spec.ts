import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_GROUP } from '../../bus/index.ts';
import {
  connectorKey,
  connectorOfOwner,
  deadLetterOwners,
  sinkGroupId,
  sourceTransactionalIds,
} from './connector-ids.ts';

describe("a connector's identities per connect group", () => {
  it('the default group keeps the names it always had: an upgraded hub keeps its offsets and transactional ids', () => {
    expect(sinkGroupId('crm-sink', DEFAULT_CONNECT_GROUP)).toBe('eai-sink-crm-sink');
    expect(sourceTransactionalIds('sap-orders', DEFAULT_CONNECT_GROUP, 2)).toEqual([
      'eai-source-sap-orders',
      'eai-source-sap-orders#2',
    ]);
    expect(deadLetterOwners('crm-sink', DEFAULT_CONNECT_GROUP)).toEqual(['crm-sink', 'eai-sink-crm-sink']);
    expect(connectorOfOwner('sap-orders', DEFAULT_CONNECT_GROUP)).toBe('sap-orders');
  });

  it('another group names its connectors with the group, and no two pairs of group and name give one id', () => {
    expect(sinkGroupId('crm-sink', 'team-b')).toBe('eai-sink-team-b/crm-sink');
    expect(sourceTransactionalIds('sap-orders', 'team-b', 2)).toEqual([
      'eai-source-team-b/sap-orders',
      'eai-source-team-b/sap-orders#2',
    ]);
    // Both names may hold "." and "-": joined by one of those, these two pairs would be one connector.
    expect(connectorKey('b.c', 'a')).not.toBe(connectorKey('c', 'a.b'));
    expect(sinkGroupId('b-c', 'a')).not.toBe(sinkGroupId('c', 'a-b'));
    expect(sinkGroupId('x', 'team-b')).not.toBe(sinkGroupId('x', DEFAULT_CONNECT_GROUP));
  });

  it("a dead-letter filter's name stands for the group's connector; `<group>/<name>` for another group's", () => {
    expect(deadLetterOwners('crm-sink', 'team-b')).toEqual([
      'crm-sink',
      'team-b/crm-sink',
      'eai-sink-team-b/crm-sink',
    ]);
    expect(deadLetterOwners('team-c/crm-sink', DEFAULT_CONNECT_GROUP)).toEqual([
      'team-c/crm-sink',
      'eai-sink-team-c/crm-sink',
    ]);
    expect(connectorOfOwner('team-b/sap-orders', 'team-b')).toBe('sap-orders');
    // Another group's letter, or the default group's (a bare name), is not this group's connector's.
    expect(connectorOfOwner('team-c/sap-orders', 'team-b')).toBeUndefined();
    expect(connectorOfOwner('sap-orders', 'team-b')).toBeUndefined();
    expect(connectorOfOwner('team-b/sap-orders', DEFAULT_CONNECT_GROUP)).toBeUndefined();
  });
});
