import { many2oneId, type OdooClient, type OdooRecord } from './jsonrpc.ts';

/** A state as the source reads it in: `state_id` of a partner, for the mapping's region (`DE-BY`). */
export interface StateReadIn {
  id: number;
  display_name: string;
  /** res.country.state `code`: ISO 3166-2 without the country prefix (BY). */
  code: string | false;
  /** Its country, read in: res.country `code` (DE). */
  country_id: { id: number; code: string | false } | false;
}

/**
 * res.country.state codes, per connector run: a search_read answer names a partner's state as `[id, "Bavaria
 * (DE)"]`, without its code, and every other system gives regions as ISO 3166-2 (DE-BY). The codes of the states a
 * page references are read once (one `search_read` on res.country.state for those not read yet, one on res.country
 * for their countries not read yet) and kept for the connector's life: states are base data that hardly change.
 * The sink's way back, a region `DE-BY` to the state's id, is looked up the same way.
 */
export function createCountryStates(client: OdooClient) {
  const states = new Map<number, { code: string | false; countryId: number | undefined }>();
  const countries = new Map<number, string | false>();
  const ids = new Map<string, number>();

  async function read(stateIds: number[], signal: AbortSignal): Promise<void> {
    const missing = [...new Set(stateIds)].filter((id) => !states.has(id));
    if (missing.length === 0) return;
    const found = await client.executeKw<OdooRecord[]>(
      'res.country.state',
      'search_read',
      [[['id', 'in', missing]]],
      { fields: ['code', 'country_id'] },
      signal,
    );
    for (const state of found)
      states.set(state.id, {
        code: typeof state.code === 'string' && state.code !== '' ? state.code : false,
        countryId: many2oneId(state.country_id),
      });
    const countryIds = [
      ...new Set(found.map((s) => many2oneId(s.country_id)).filter((id) => id !== undefined)),
    ].filter((id) => !countries.has(id));
    if (countryIds.length === 0) return;
    const read = await client.executeKw<OdooRecord[]>(
      'res.country',
      'search_read',
      [[['id', 'in', countryIds]]],
      { fields: ['code'] },
      signal,
    );
    for (const country of read)
      countries.set(
        country.id,
        typeof country.code === 'string' && country.code !== '' ? country.code : false,
      );
  }

  return {
    /**
     * `records` with their `state_id` read in (`StateReadIn`: the state's code and its country's code); a state
     * Odoo no longer has (deleted since the page was read) stays as search_read answered it.
     */
    async readIn(records: OdooRecord[], signal: AbortSignal): Promise<OdooRecord[]> {
      const stateIds = records.map((r) => many2oneId(r.state_id)).filter((id) => id !== undefined);
      await read(stateIds, signal);
      return records.map((record) => {
        const id = many2oneId(record.state_id);
        const state = id === undefined ? undefined : states.get(id);
        if (id === undefined || !state) return record;
        const countryId = state.countryId;
        const inRecord: StateReadIn = {
          id,
          display_name: String((record.state_id as [number, string])[1] ?? ''),
          code: state.code,
          country_id:
            countryId === undefined ? false : { id: countryId, code: countries.get(countryId) ?? false },
        };
        return { ...record, state_id: inRecord };
      });
    },

    /**
     * The id of the state a region names (ISO 3166-2, `DE-BY`: country code DE, state code BY), or undefined when
     * this database has none. Found ids are kept for the connector's life; a region not found is asked again next
     * time (a state an administrator adds is found then).
     */
    async idOf(region: string, signal: AbortSignal): Promise<number | undefined> {
      const known = ids.get(region);
      if (known !== undefined) return known;
      const [country, code] = [region.slice(0, 2), region.slice(3)];
      const [found] = await client.executeKw<OdooRecord[]>(
        'res.country.state',
        'search_read',
        [
          [
            ['country_id.code', '=', country],
            ['code', '=', code],
          ],
        ],
        { fields: ['id'], limit: 1 },
        signal,
      );
      if (found) ids.set(region, found.id);
      return found?.id;
    },
  };
}

export type CountryStates = ReturnType<typeof createCountryStates>;
