import { deps } from './runtime.ts';

/**
 * Correlation by the references a workflow gave another system: when an instance sends a command that names the
 * business document by the other system's keys (the order number and purchase order number of a despatch request),
 * it records them here, in the same step and before it sends; the router resolves the events that system sends
 * back (an ASN naming the PO) through them. Keys are namespaced strings, e.g. `po:4500012345`, `order:0012000042`.
 */
export async function recordReferences(workflowId: string, refs: string[]): Promise<void> {
  const distinct = [...new Set(refs)];
  if (distinct.length === 0) return;
  await deps().query(
    `insert into eai_orchestrator.workflow_references (ref, workflow_id)
     select unnest($1::text[]), $2 on conflict do nothing`,
    [distinct, workflowId],
  );
}

/**
 * The instances an event's references name. Each entry is one referenced document's keys, most specific first
 * (the seller's order number before the buyer's PO, which several buyers may share); it resolves to every instance
 * that recorded its first key that any instance recorded. The result is distinct; an event naming several
 * documents resolves to each one's instances.
 */
export async function resolveReferences(references: string[][]): Promise<string[]> {
  const keys = [...new Set(references.flat())];
  if (keys.length === 0) return [];
  const { rows } = await deps().query<{ ref: string; workflow_id: string }>(
    `select ref, workflow_id from eai_orchestrator.workflow_references where ref = any($1::text[])`,
    [keys],
  );
  const byRef = new Map<string, string[]>();
  for (const row of rows) byRef.set(row.ref, [...(byRef.get(row.ref) ?? []), row.workflow_id]);
  const ids = new Set<string>();
  for (const alternatives of references) {
    const first = alternatives.find((key) => byRef.has(key));
    for (const id of first ? byRef.get(first)! : []) ids.add(id);
  }
  return [...ids].sort();
}
