/**
 * The JSON API's route registry: every `/api/v1` route is declared once, as data, and that one
 * declaration both validates requests and describes the route in the OpenAPI 3.1 document
 * served at `GET /api/v1/openapi.json`. Nothing else documents the API, so it cannot drift.
 *
 * Declaring routes (one file per resource, e.g. `server/api/personas.routes.ts`):
 *
 *   export function personasRoutes(ctx: AppContext): ApiRoute[] {
 *     return [
 *       defineRoute({
 *         method: 'patch',
 *         path: '/me/personas/:handle',          // express syntax; becomes {handle} in OpenAPI
 *         summary: 'Rename a persona or edit its profile',
 *         tags: ['personas'],
 *         auth: 'session',                        // 'public' | 'session' | a role ('admin', …)
 *         params: z.object({ handle: Handle }),
 *         body: z.object({ displayName: DisplayName.optional() }),
 *         responses: { 200: { description: 'The persona', schema: OwnPersonaSchema }, 404: 'No such persona' },
 *         handler: async ({ params, body, account, res }) => { … res.json(…) },
 *       }),
 *     ];
 *   }
 *
 * and one line in `server/routes.ts` `mountApi`: `api.add(personasRoutes(ctx));`.
 *
 * What the registry does for every route, before the handler runs:
 * - auth: 'public' lets anyone in; 'session' needs a logged-in account (401); a role needs that
 *   role or admin (403). `account` is typed accordingly (never undefined behind 'session'/a role).
 * - params, query and body are parsed with their zod schemas; on failure it answers
 *   400 `application/problem+json` with `errors: [{ field, message }]` and the handler never runs,
 *   so nothing is written. The handler receives the parsed (transformed) values.
 * - Object bodies are made strict: an unknown field is a 400, so a misspelt field never passes
 *   silently. (Query strings stay lenient: cache-busters are harmless.)
 * - Non-JSON writes are already refused with 415 by the `/api/v1` pipeline in `server/app.ts`.
 *
 * Handlers answer through `res` (`res.json`, `res.status(204).end()`, `sendProblem`). Statuses that
 * the registry itself produces (400, 401, 403, 415) are added to the OpenAPI document automatically.
 * Declare every other status a handler may answer: outside production, an undeclared status or a
 * JSON body that its declared schema rejects is logged as an error (`checkResponses`).
 * Map operation failures with an exhaustive `switch (result.reason)` ending in `assertNever`.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Account, Role } from '../../models/schema/index.ts';
import { requireRole, requireSession } from '../auth.ts';
import { logger } from '../logging.ts';
import { type FieldError, sendProblem, zodFieldErrors } from '../problem.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type RouteAuth = 'public' | 'session' | Role;

/** A response entry: a description alone (no body, or a problem document), or one with a body schema. */
export type ResponseSpec =
  | string
  | { description: string; schema?: z.ZodType; headers?: Record<string, string> };

type Out<S> = [S] extends [undefined] ? Record<string, never> : S extends z.ZodType ? z.output<S> : unknown;

export type HandlerInput<P, Q, B, A extends RouteAuth> = {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  /** The logged-in account; always present unless the route is public. */
  account: A extends 'public' ? Account | undefined : Account;
  req: Request;
  res: Response;
};

export type RouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  A extends RouteAuth,
> = {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  handler: (input: HandlerInput<P, Q, B, A>) => Promise<void> | void;
};

/** A declared route with its types erased, as the registry stores it. */
export type ApiRoute = {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  handler: (input: HandlerInput<unknown, unknown, unknown, RouteAuth>) => Promise<void> | void;
};

/** Declares a route; the generics give the handler the parsed types of params, query and body. */
export function defineRoute<
  A extends RouteAuth,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B, A>): ApiRoute {
  const body = spec.body instanceof z.ZodObject ? spec.body.strict() : spec.body;
  return { ...spec, body } as unknown as ApiRoute;
}

/** For exhaustive `switch`es over failure reasons: a new reason becomes a type error here. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** The problem document (RFC 9457) every error answer carries. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/**
 * Holds the routes of one `/api/v1` router: `add` mounts them on it with validation and auth,
 * and records them for the OpenAPI document (served from the same router).
 */
export class ApiRegistry {
  readonly routes: ApiRoute[] = [];
  #router: Router;
  #info: { title: string; version: string };
  #onMismatch: MismatchReporter | undefined;
  #document: Record<string, unknown> | undefined;

  /**
   * `checkResponses` (outside production): when a handler answers with a status its route does not
   * declare, or a JSON body the declared schema rejects, it is logged as an error (or handed to the
   * given function), so the document stays true to what the API does.
   */
  constructor(
    router: Router,
    info: { title: string; version: string },
    options: { checkResponses?: boolean | MismatchReporter } = {},
  ) {
    this.#router = router;
    this.#info = info;
    const check = options.checkResponses;
    this.#onMismatch = typeof check === 'function' ? check : check ? logMismatch : undefined;
    router.get('/openapi.json', (_req, res) => {
      res.json(this.openApiDocument());
    });
  }

  add(routes: ApiRoute[]): this {
    for (const route of routes) {
      const seen = this.routes.find((r) => r.method === route.method && r.path === route.path);
      if (seen) throw new Error(`API route declared twice: ${route.method.toUpperCase()} ${route.path}`);
      this.routes.push(route);
      this.#document = undefined;
      const check = this.#onMismatch ? checkingResponses(route, this.#onMismatch) : passThrough;
      this.#router[route.method](route.path, check, authGuard(route.auth), validating(route));
    }
    return this;
  }

  openApiDocument(): Record<string, unknown> {
    this.#document ??= openApiDocument(this.routes, this.#info);
    return this.#document;
  }
}

export type MismatchReporter = (route: string, status: number, problem: string) => void;

const logMismatch: MismatchReporter = (route, status, problem) =>
  logger('api').error('{route} answered {status}, which does not match its declaration: {problem}', {
    route,
    status,
    problem,
  });

const passThrough = (_req: Request, _res: Response, next: NextFunction) => next();

/** Statuses the registry or the /api pipeline may answer on any route without declaring them. */
const IMPLICIT_STATUSES = new Set([400, 401, 403, 413, 415, 500]);

function checkingResponses(route: ApiRoute, report: MismatchReporter) {
  const name = `${route.method.toUpperCase()} ${route.path}`;
  return (_req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const spec = route.responses[res.statusCode];
      if (spec === undefined) {
        if (!IMPLICIT_STATUSES.has(res.statusCode)) report(name, res.statusCode, 'status not declared');
      } else if (typeof spec !== 'string' && spec.schema) {
        const parsed = spec.schema.safeParse(body);
        if (!parsed.success) report(name, res.statusCode, z.prettifyError(parsed.error));
      }
      return json(body);
    };
    res.once('finish', () => {
      if (route.responses[res.statusCode] === undefined && !IMPLICIT_STATUSES.has(res.statusCode)) {
        // res.json already reported JSON answers; this catches bodiless ones (204, 304…).
        if (!res.getHeader('content-type')) report(name, res.statusCode, 'status not declared');
      }
    });
    next();
  };
}

/**
 * A public route read with a session may answer for that session (a followers-only post its
 * persona may read): no shared cache may keep that answer and serve it to someone else.
 */
function privateWhenSession(req: Request, res: Response, next: NextFunction) {
  if (req.user) res.setHeader('Cache-Control', 'private, no-store');
  next();
}

function authGuard(auth: RouteAuth) {
  if (auth === 'public') return privateWhenSession;
  const guard = auth === 'session' ? requireSession : requireRole(auth);
  // What a session sees is its own (its e-mail, its personas): no cache may keep it.
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'private, no-store');
    return guard(req, res, next);
  };
}

function validating(route: ApiRoute) {
  return async (req: Request, res: Response) => {
    const errors: FieldError[] = [];
    const parse = (schema: z.ZodType | undefined, value: unknown): unknown => {
      if (!schema) return {};
      const parsed = schema.safeParse(value ?? {});
      if (parsed.success) return parsed.data;
      errors.push(...zodFieldErrors(parsed.error));
      return undefined;
    };
    const params = parse(route.params, req.params);
    const query = parse(route.query, req.query);
    const body = parse(route.body, req.body);
    if (errors.length > 0) return sendProblem(res, 400, 'Invalid request', { errors });
    await route.handler({ params, query, body, account: req.user, req, res });
  };
}

// --- OpenAPI 3.1 -------------------------------------------------------------------------------

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete s.$schema;
  return s;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function response(status: number, spec: ResponseSpec): JsonSchema {
  const entry = typeof spec === 'string' ? { description: spec } : spec;
  const out: JsonSchema = { description: entry.description };
  if (typeof spec !== 'string' && spec.schema) {
    out.content = { 'application/json': { schema: jsonSchema(spec.schema, 'output') } };
  } else if (status >= 400) {
    out.content = problemContent;
  }
  if (typeof spec !== 'string' && spec.headers) {
    out.headers = Object.fromEntries(
      Object.entries(spec.headers).map(([name, description]) => [
        name,
        { description, schema: { type: 'string' } },
      ]),
    );
  }
  return out;
}

/** Builds the OpenAPI 3.1 document from the declared routes (paths relative to `/api/v1`). */
export function openApiDocument(routes: ApiRoute[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, JsonSchema> = {};
    for (const [status, spec] of Object.entries(route.responses))
      responses[status] = response(Number(status), spec);
    const automatic: [number, string, boolean][] = [
      [
        400,
        'Invalid request: the failing fields are listed in `errors`',
        !!(route.params || route.query || route.body),
      ],
      [401, 'Authentication required', route.auth !== 'public'],
      [403, `Needs the ${route.auth} role`, route.auth !== 'public' && route.auth !== 'session'],
      [415, 'The body is not JSON', !!route.body],
    ];
    for (const [status, description, applies] of automatic) {
      if (applies && !responses[status]) responses[status] = { description, content: problemContent };
    }
    const operation: JsonSchema = {
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/(^|[/_-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses,
      ...(route.auth === 'public' ? { security: [] } : {}),
    };
    if (route.auth !== 'public' && route.auth !== 'session') operation['x-required-role'] = route.auth;
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    paths[path] ??= {};
    paths[path][route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(ProblemSchema, 'output') },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'parvis.sid' } },
    },
    security: [{ session: [] }],
  };
}
