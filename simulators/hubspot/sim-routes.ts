import type { Router } from 'express';
import { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimContext } from '../common/types.ts';
import { DEFAULT_TIME_ZONE, timeZoneSchema } from './account-routes.ts';
import {
  type Actor,
  archiveContact,
  type ContactChange,
  contactView,
  createContact,
  findContact,
  restoreContact,
  updateContact,
} from './contacts.ts';
import { publishContactChanges } from './events.ts';
import { CONTACT_PROPERTIES, READ_ONLY, validateProperties } from './properties.ts';
import type { HubSpotState } from './state.ts';

const appSchema = z.object({
  clientSecret: z.string().min(8).optional(),
  accessToken: z.string().min(8).optional(),
  uniqueProperties: z.array(z.string().min(1)).optional(),
  /** Properties defined as Sensitive Data (`dataSensitivity: sensitive`): their webhooks say "REDACTED". */
  sensitiveProperties: z
    .array(
      z
        .string()
        .refine(
          (name) => CONTACT_PROPERTIES.has(name) && !READ_ONLY.has(name),
          'not a writable contact property',
        ),
    )
    .optional(),
  /** The account's time zone setting (`GET /account-info/v3/details`), whose midnight resets the daily API limit. */
  timeZone: timeZoneSchema.optional(),
});

const editSchema = z.object({
  /** Absent: the person creates a new contact. */
  id: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  action: z.enum(['update', 'delete', 'restore']).default('update'),
});

const controlError = (message: string) => new SimHttpError(400, { error: message });

/**
 * HubSpot-only control routes: the app identity (token, client secret), the portal's unique and Sensitive Data
 * properties and its time zone, and UI-style edits.
 */
export function hubspotSimRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.get('/sim/app', (_req, res) => {
    res.json({
      ...sim.state.app,
      uiUserId: sim.state.uiUserId,
      uniqueProperties: sim.state.uniqueProperties,
      sensitiveProperties: sim.state.sensitiveProperties ?? [],
      timeZone: sim.state.timeZone ?? DEFAULT_TIME_ZONE,
    });
  });
  // Lets a test or a demo use known credentials; a new access token is added, the old ones stay valid.
  router.post('/sim/app', (req, res) => {
    const parsed = appSchema.safeParse(req.body);
    if (!parsed.success) throw controlError(z.prettifyError(parsed.error));
    const { clientSecret, accessToken, uniqueProperties, sensitiveProperties, timeZone } = parsed.data;
    if (clientSecret) sim.state.app.clientSecret = clientSecret;
    if (accessToken && !sim.state.app.accessTokens.includes(accessToken))
      sim.state.app.accessTokens.push(accessToken);
    if (uniqueProperties) sim.state.uniqueProperties = uniqueProperties;
    if (sensitiveProperties) sim.state.sensitiveProperties = sensitiveProperties;
    if (timeZone) sim.state.timeZone = timeZone;
    sim.markDirty();
    res.json({
      ...sim.state.app,
      uniqueProperties: sim.state.uniqueProperties,
      sensitiveProperties: sim.state.sensitiveProperties ?? [],
      timeZone: sim.state.timeZone ?? DEFAULT_TIME_ZONE,
    });
  });

  router.post('/sim/edit', (req, res) => {
    const parsed = editSchema.safeParse(req.body);
    if (!parsed.success) throw controlError(z.prettifyError(parsed.error));
    const { id, action } = parsed.data;
    const properties = validateProperties(parsed.data.properties);
    const actor: Actor = { changeSource: 'CRM_UI', sourceId: `userId:${sim.state.uiUserId}` };
    let changes: ContactChange[];
    let contactId: string;
    if (id === undefined) {
      const made = createContact(sim.state, properties, actor);
      changes = made.changes;
      contactId = made.contact.id;
    } else {
      const contact = findContact(sim.state, id, action === 'restore');
      if (!contact)
        throw new SimHttpError(404, {
          error: `no ${action === 'restore' ? 'archived' : 'live'} contact ${id}`,
        });
      contactId = contact.id;
      if (action === 'delete') changes = archiveContact(sim.state, contact);
      else if (action === 'restore')
        changes = [
          ...restoreContact(sim.state, contact),
          ...updateContact(sim.state, contact, properties, actor),
        ];
      else changes = updateContact(sim.state, contact, properties, actor);
    }
    const operation = id === undefined ? 'create' : action === 'delete' ? 'archive' : action;
    sim.recordEffect(req, { entityType: 'contact', entityId: contactId, operation, detail: { via: 'ui' } });
    publishContactChanges(sim, changes, actor);
    const contact = sim.state.contacts[contactId];
    res.json({
      id: contactId,
      events: changes.length,
      contact: contact ? contactView(contact, { include: Object.keys(properties) }) : null,
    });
  });
}
