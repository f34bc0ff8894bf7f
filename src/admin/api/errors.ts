/**
 * Validation and errors for the admin API. Every refusal is JSON: RFC 6749 §5.2's `error` and
 * `error_description`, plus `field`, the request field at fault as a path (`redirect_uris[0]`,
 * `profile.email`). A zod failure knows its path; a service's OAuthError names its field first
 * in the description (`redirect_uris[0]: … must not contain a fragment`), the convention every
 * service message follows, and that name is accepted only if the route's schemas have the field.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendJson, toOAuthError } from '../../http/respond.js';
import { OAuthError } from '../../protocol/errors.js';
import type { AdminRoute } from './route.js';

/** Fields known for errors raised here from a schema's own path. */
const knownFields = new WeakMap<OAuthError, string>();

/** `['redirect_uris', 0]` → `redirect_uris[0]`; `['profile', 'email']` → `profile.email`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (out, key) =>
      typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`,
    '',
  );
}

/** Parses `value` with `schema`; the first problem becomes a 400 naming its field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = unknownKey === undefined ? issue.path : [...issue.path, unknownKey];
  const field = formatPath(path);
  const message = unknownKey === undefined ? issue.message : 'is not a known field';
  const error = new OAuthError(
    'invalid_request',
    field === '' ? `The request body is not valid: ${message}` : `${field}: ${message}`,
  );
  if (field !== '') knownFields.set(error, field);
  throw error;
}

/** Every field path a schema accepts: `client_name`, `profile.address.country`… (array items share their list's path). */
function schemaPaths(schema: z.ZodType | undefined, prefix: string, out: Set<string>): Set<string> {
  let inner: unknown = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) {
    inner = inner.def.innerType;
  }
  if (inner instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.add(path);
      schemaPaths(child, path, out);
    }
  } else if (inner instanceof z.ZodArray) {
    schemaPaths(inner.element as z.ZodType, prefix, out);
  }
  return out;
}

const LEADING_NAME = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*)(?=[: ]|$)/;
const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The field a service's message names first, if the route has such a field (claims sit under `profile.`). */
function fieldFromDescription(
  description: string | undefined,
  route: AdminRoute | undefined,
): string | undefined {
  const name = description && LEADING_NAME.exec(description)?.[1];
  if (!name || !route) return undefined;
  const paths = new Set<string>();
  for (const schema of [route.body, route.query, route.params]) schemaPaths(schema, '', paths);
  const wanted = snakeCase(name);
  const base = wanted.replace(/\[\d+\]/g, '');
  if (paths.has(base)) return wanted;
  const nested = [...paths].find((path) => path.endsWith(`.${base}`));
  return nested === undefined ? undefined : `${nested.slice(0, -base.length)}${wanted}`;
}

export function fieldOf(error: OAuthError, route: AdminRoute | undefined): string | undefined {
  if (error.status >= 500 || error.status === 401 || error.status === 403) return undefined;
  return knownFields.get(error) ?? fieldFromDescription(error.description, route);
}

/** The one way an admin API error is answered: JSON, never cached, 5xx only for real faults (logged). */
export function sendAdminError(
  request: FastifyRequest,
  reply: FastifyReply,
  raw: unknown,
  route: AdminRoute | undefined,
): FastifyReply {
  const error = toOAuthError(raw);
  if (error.status >= 500) request.log.error({ err: raw }, 'admin API request failed');
  else request.log.info({ code: error.code, detail: error.detail }, 'admin API request refused');
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const field = fieldOf(error, route);
  return sendJson(reply, { ...error.toJSON(), ...(field !== undefined && { field }) }, error.status);
}
