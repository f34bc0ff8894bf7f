/**
 * The admin API's route table entries: method, path, the zod schemas of the request and the
 * responses, and a handler that knows nothing of Fastify. index.ts registers them with Fastify and
 * openapi.ts describes the same entries, so the document cannot drift from what is served.
 */
import type { z } from 'zod';
import type { AdminPrincipal } from '../../services/admin-auth.js';
import type { AuditActor } from '../../services/audit.js';
import type { ServiceDeps } from '../../services/deps.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteContext {
  deps: ServiceDeps;
  principal: AdminPrincipal;
  /** The principal as the audit log records it, with the request's address and user agent. */
  actor: AuditActor;
  /** Set for session-authenticated requests: what to send as X-CSRF-Token. */
  csrfToken: string | null;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  /** Absent for 204 No Content. */
  schema?: z.ZodType;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface AdminRoute<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: Method;
  /** Below /admin/api/v1, in OpenAPI form: /clients/{client_id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'clients' | 'users' | 'grants' | 'keys' | 'audit' | 'session';
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be left out (no Content-Type, no bytes): it is then `{}`. */
  bodyOptional?: boolean;
  /** The success responses by status; the error responses are the same for every route. */
  responses: Record<number, ResponseSpec>;
  handle(input: {
    params: Infer<P>;
    query: Infer<Q>;
    body: Infer<B>;
    ctx: RouteContext;
  }): Promise<RouteResult>;
}

/** Identity, for type inference of the handler's input from the schemas. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(route: AdminRoute<P, Q, B>): AdminRoute {
  return route as unknown as AdminRoute;
}

export const API_VERSION_PATH = '/v1';

/** `/clients/{client_id}` → `/clients/:client_id`. */
export const fastifyPath = (path: string): string => path.replace(/\{([a-z_]+)\}/g, ':$1');
