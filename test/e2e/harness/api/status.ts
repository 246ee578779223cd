// The API's error answers: a `Status` object with the HTTP code, reason and message the real API
// server uses, so clients that inspect them (Patroni's Kubernetes DCS looks at the code, kubectl
// prints the message) behave as they would against a cluster.

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export function statusObject(code: number, reason: string | undefined, message: string | undefined, details?: StatusDetails): Status {
  const s: any = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code >= 200 && code < 300 ? 'Success' : 'Failure' };
  if (message !== undefined) s.message = message;
  if (reason !== undefined) s.reason = reason;
  if (details !== undefined) s.details = details;
  s.code = code;
  return s as Status;
}

/** A request the API answers with a Status instead of an object. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? String(status.code));
  }

  get code(): number {
    return this.status.code;
  }
}

/** The resource as the API qualifies it in messages: `configmaps`, `deployments.apps`. */
export function qualified(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function objectDetails(group: string, resource: string, name?: string): StatusDetails {
  return { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource };
}

export const errors = {
  notFound(group: string, resource: string, name: string): ApiError {
    return new ApiError(statusObject(404, 'NotFound', `${qualified(group, resource)} "${name}" not found`, objectDetails(group, resource, name)));
  },
  /** A path or resource this server does not serve (the real API answers 404 the same way). */
  notServed(message: string): ApiError {
    return new ApiError(statusObject(404, 'NotFound', message, {}));
  },
  alreadyExists(group: string, resource: string, name: string): ApiError {
    return new ApiError(statusObject(409, 'AlreadyExists', `${qualified(group, resource)} "${name}" already exists`, objectDetails(group, resource, name)));
  },
  conflict(group: string, resource: string, name: string, cause: string): ApiError {
    return new ApiError(statusObject(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": ${cause}`, objectDetails(group, resource, name)));
  },
  /** A write whose resourceVersion is not the stored one (optimistic concurrency). */
  staleResourceVersion(group: string, resource: string, name: string): ApiError {
    return errors.conflict(group, resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },
  forbidden(group: string, resource: string, name: string, message: string): ApiError {
    const prefix = name ? `${qualified(group, resource)} "${name}" is forbidden` : `${qualified(group, resource)} is forbidden`;
    return new ApiError(statusObject(403, 'Forbidden', `${prefix}: ${message}`, objectDetails(group, resource, name)));
  },
  forbiddenPath(message: string): ApiError {
    return new ApiError(statusObject(403, 'Forbidden', `forbidden: ${message}`, {}));
  },
  unauthorized(): ApiError {
    return new ApiError(statusObject(401, 'Unauthorized', 'Unauthorized'));
  },
  badRequest(message: string): ApiError {
    return new ApiError(statusObject(400, 'BadRequest', message));
  },
  /** Validation failures: `ConfigMap "x" is invalid: <field>: <problem>`. */
  invalid(kind: string, name: string, causes: ReadonlyArray<{ field: string; message: string; reason?: string }>): ApiError {
    const parts = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return new ApiError(statusObject(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
      name, kind, causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
    }));
  },
  /** A request the server could not apply (e.g. a JSON patch whose `test` fails). */
  unprocessable(cause: string): ApiError {
    return new ApiError(statusObject(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message: cause }],
    }));
  },
  methodNotAllowed(): ApiError {
    return new ApiError(statusObject(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
  },
  unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
    return new ApiError(statusObject(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${contentType || 'no Content-Type'}) - accepted media types include: ${accepted.join(', ')}`, {}));
  },
  /** A watch or list from a resourceVersion older than the history kept. */
  expired(message: string): ApiError {
    return new ApiError(statusObject(410, 'Expired', message));
  },
  tooLargeResourceVersion(requested: string, current: string): ApiError {
    return new ApiError(statusObject(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1,
    }));
  },
  internal(message: string): ApiError {
    return new ApiError(statusObject(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }));
  },
  /**
   * A feature of the real API that this server does not have. Never answered with a success: the
   * client sees why, and the server logs it, so a test that depends on it fails visibly.
   */
  notImplemented(what: string): ApiError {
    return new ApiError(statusObject(501, 'NotImplemented', `${what} is not implemented by the e2e harness API server`));
  },
};
