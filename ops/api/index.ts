/**
 * The admin API, one for every capability: declare routes with zod schemas, get validation, bearer-token roles and
 * the OpenAPI document. The ops server mounts `api.router`; everything else in this folder is internal.
 */
export { type AdminApi, type AdminApiOptions, createAdminApi } from './admin-api.ts';
export { type ErrorBody, type ErrorDetail, errorBodySchema, HttpError, sendError } from './errors.ts';
export { errorHandler, notFound, roleOff } from './fallbacks.ts';
export type { OpenApiDocument } from './openapi.ts';
export {
  messageFor,
  PERSONAL_DATA_ROLE,
  type Principal,
  type Role,
  roleAllows,
  roleSchema,
  roles,
} from './roles.ts';
export type {
  HttpMethod,
  OpenRouteSpec,
  RouteBackend,
  RouteHandler,
  RouteInput,
  RouteResponse,
  RouteResult,
  RouteSpec,
} from './route.ts';
export {
  type AdminToken,
  adminEnvSchema,
  adminTokenSchema,
  adminTokensFromEnv,
  hashToken,
  newToken,
} from './tokens.ts';
export { principalSchema, registerWhoamiRoute } from './whoami.ts';
