import { ConfigError } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import { MODELS } from './models.ts';
import type { OdooRecord, OdooState } from './state.ts';

/**
 * Seed lines: the generator's `{"system":"odoo","type":"res.partner","record":{...}}` (lines of other
 * systems are skipped) or `{"model":"sale.order", ...fields}`. Records are taken as search_read shows
 * them: many2one values `[id, "name"]` become ids, computed fields are dropped, dates kept.
 * Seeding records no effects.
 */
export function applyOdooSeed(lines: unknown[], sim: SimContext<OdooState>): void {
  lines.forEach((line, index) => {
    const wrapped = (line ?? {}) as Record<string, unknown>;
    if (typeof wrapped.system === 'string' && wrapped.system !== 'odoo') return;
    const { model: modelName, ...bare } = wrapped;
    const model = String(wrapped.type ?? modelName ?? '');
    const input = (wrapped.record ?? bare) as Record<string, unknown>;
    const def = MODELS[model];
    if (!def) throw new ConfigError(`seed line ${index + 1}: unknown model "${model}"`);
    const id = input.id;
    if (!Number.isInteger(id))
      throw new ConfigError(`seed line ${index + 1}: a record needs an integer "id"`);
    const record: OdooRecord = { id: id as number, create_uid: 2, write_uid: 2 };
    for (const [name, value] of Object.entries(input)) {
      const field = def.fields[name];
      if (!field) throw new ConfigError(`seed line ${index + 1}: ${model} has no field "${name}"`);
      if (field.compute || field.type === 'one2many' || name === 'display_name') continue;
      record[name] = field.type === 'many2one' && Array.isArray(value) ? value[0] : value;
    }
    sim.state.records[model] ??= {};
    sim.state.records[model][String(id)] = record;
  });
}
