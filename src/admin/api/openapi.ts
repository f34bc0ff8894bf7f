/**
 * The admin API's OpenAPI 3.1 document, generated from the route table and its zod schemas (OAS
 * 3.1 schemas are JSON Schema 2020-12, which z.toJSONSchema writes). Named schemas become
 * components; every route gets the same error responses and both ways to authenticate.
 */
import { z } from 'zod';
import { ADMIN_SCOPE } from '../../services/admin-auth.js';
import { type AdminRoute, API_VERSION_PATH } from './route.js';
import { ErrorBody, registry } from './schemas.js';

type Json = Record<string, unknown>;

const ERROR_RESPONSES: Record<number, [string, string]> = {
  400: ['BadRequest', 'Bad input: error_description says why and field names the field at fault'],
  401: ['Unauthorized', 'No usable credentials (the WWW-Authenticate header says how to authenticate)'],
  403: [
    'Forbidden',
    `Authenticated, but not as an administrator: no ${ADMIN_SCOPE} scope, a non-admin user, or a session request without X-CSRF-Token`,
  ],
  404: ['NotFound', 'No such client, user, grant or key'],
  409: ['Conflict', 'A duplicate client_id or username, or a client changed while this change was made'],
  415: ['UnsupportedMediaType', 'The body is not application/json'],
};

/** Converts one schema; named schemas it uses are added to `components` and referred to. */
function converter(components: Json) {
  return (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      metadata: registry,
      unrepresentable: 'any',
    }) as Json;
    const text = JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/');
    const { $defs, $schema: _, ...rest } = JSON.parse(text) as Json & { $defs?: Json };
    Object.assign(components, $defs ?? {});
    return rest;
  };
}

function parameters(
  schema: z.ZodType | undefined,
  location: 'path' | 'query',
  convert: ReturnType<typeof converter>,
) {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const json = convert(field, 'input');
    return {
      name,
      in: location,
      required: location === 'path' || !field.safeParse(undefined).success,
      ...(typeof json.description === 'string' && { description: json.description }),
      schema: json,
    };
  });
}

function operation(route: AdminRoute, convert: ReturnType<typeof converter>): Json {
  const responses: Json = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = {
      description: spec.description,
      ...(spec.schema && { content: { 'application/json': { schema: convert(spec.schema, 'output') } } }),
    };
  }
  const errors = route.body ? [400, 401, 403, 404, 409, 415] : [400, 401, 403, 404];
  for (const status of errors)
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]![0]}` };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description && { description: route.description }),
    tags: [route.tag],
    parameters: [...parameters(route.params, 'path', convert), ...parameters(route.query, 'query', convert)],
    ...(route.body && {
      requestBody: {
        required: !route.bodyOptional,
        content: { 'application/json': { schema: convert(route.body, 'input') } },
      },
    }),
    responses,
  };
}

export function openApiDocument(
  routes: AdminRoute[],
  options: { serverUrl: string; sessionCookie: string },
): Json {
  const schemas: Json = {};
  const convert = converter(schemas);
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = `/admin/api${API_VERSION_PATH}${route.path}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, convert) };
  }
  const errorSchema = convert(ErrorBody, 'output');
  const responses = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map(([name, description]) => [
      name,
      { description, content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey admin API',
      version: API_VERSION_PATH.slice(1),
      description:
        'Manage clients, users, grants, signing keys and the audit log. Every response is JSON and never cached.',
    },
    servers: [{ url: options.serverUrl }],
    security: [{ bearerToken: [ADMIN_SCOPE] }, { adminSession: [] }],
    tags: ['clients', 'users', 'grants', 'keys', 'audit', 'session'].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          description: `An access token with the ${ADMIN_SCOPE} scope, for example from the client credentials grant of a client registered with that scope.`,
        },
        adminSession: {
          type: 'apiKey',
          in: 'cookie',
          name: options.sessionCookie,
          description:
            'The Latchkey session of an administrator. POST, PATCH and DELETE must also send the X-CSRF-Token header (see GET /admin/api/v1/me).',
        },
      },
    },
  };
}
