import type { NextFunction, Request, Response } from 'express';
import type { SimContext } from '../common/types.ts';
import type { Actor } from './contacts.ts';
import { hsError } from './errors.ts';
import type { HubSpotState } from './state.ts';

/** Private-app bearer token check for the CRM API. */
export function requireToken(sim: SimContext<HubSpotState>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const token = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!token) {
      throw hsError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    if (!sim.state.app.accessTokens.includes(token)) {
      throw hsError(
        401,
        'INVALID_AUTHENTICATION',
        'The OAuth token used to make this call expired 0 second(s) ago.',
        { subCategory: 'INVALID_TOKEN' },
      );
    }
    next();
  };
}

/** Changes made through the API by the private app: HubSpot marks them INTEGRATION, from the app id. */
export function apiActor(state: HubSpotState): Actor {
  return { changeSource: 'INTEGRATION', sourceId: String(state.app.appId) };
}
