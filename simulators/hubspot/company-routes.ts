import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { archiveCompany, associate, findCompany } from './companies.ts';
import { type Actor, type ContactChange, createContact, findContact, updateContact } from './contacts.ts';
import { publishContactChanges } from './events.ts';
import { COMPANY_TYPE } from './object-types.ts';
import { validateProperties } from './properties.ts';
import type { HubSpotState } from './state.ts';

const companySchema = z.object({
  /** Absent: the person creates a new company. */
  id: z.string().optional(),
  properties: z.record(z.string(), z.string()).default({}),
  action: z.enum(['update', 'delete']).default('update'),
});

const associationSchema = z.object({
  contactId: z.string().min(1),
  companyId: z.string().min(1),
  /** True: the association is removed. */
  removed: z.boolean().default(false),
});

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new SimHttpError(400, { error: z.prettifyError(parsed.error) });
  return parsed.data;
};

/**
 * `POST /sim/companies {id?, properties, action?: update|delete}` and `POST /sim/associations {contactId, companyId,
 * removed?}`: a person's edits in HubSpot's UI (`CRM_UI`, `userId:<n>`), sent as `company.*` and
 * `contact.associationChange` webhooks.
 */
export function companyRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  const person = (): Actor => ({ changeSource: 'CRM_UI', sourceId: `userId:${sim.state.uiUserId}` });
  router.post('/sim/companies', (req, res) => {
    const { id, properties: given, action } = parse(companySchema, req.body);
    const properties = validateProperties(given, COMPANY_TYPE.properties);
    let changes: ContactChange[];
    let companyId: string;
    if (id === undefined) {
      const made = createContact(sim.state, properties, person(), COMPANY_TYPE);
      changes = made.changes;
      companyId = made.contact.id;
    } else {
      const company = findCompany(sim.state, id);
      if (!company) throw new SimHttpError(404, { error: `no live company ${id}` });
      companyId = company.id;
      changes =
        action === 'delete'
          ? archiveCompany(sim.state, company)
          : updateContact(sim.state, company, properties, person(), COMPANY_TYPE);
    }
    const operation = id === undefined ? 'create' : action === 'delete' ? 'archive' : action;
    sim.recordEffect(req, { entityType: 'company', entityId: companyId, operation, detail: { via: 'ui' } });
    publishContactChanges(sim, changes, person());
    res.json({ id: companyId, events: changes.length, company: sim.state.companies?.[companyId] ?? null });
  });
  router.post('/sim/associations', (req, res) => {
    const { contactId, companyId, removed } = parse(associationSchema, req.body);
    const contact = findContact(sim.state, contactId);
    if (!contact) throw new SimHttpError(404, { error: `no live contact ${contactId}` });
    if (!findCompany(sim.state, companyId))
      throw new SimHttpError(404, { error: `no live company ${companyId}` });
    const changes = associate(sim.state, contact.id, companyId, removed);
    publishContactChanges(sim, changes, person());
    sim.markDirty();
    res.json({ contactId: contact.id, companyId, associated: !removed, events: changes.length });
  });
}
