// Errors are data: one class per failure the platform knows, each carrying its HTTP meaning.
// The error handler turns them into RFC 9457 application/problem+json responses.

export interface FieldError {
  /** Where the field was: body, query, params or headers. */
  in: string;
  /** Dotted path of the field, e.g. `lessons.2.title`; empty for the whole input. */
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  readonly type: string;
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    problemName = title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
  ) {
    super(detail ?? title);
    this.name = new.target.name;
    this.type = `urn:problem:syllabus:${problemName}`;
  }
}

export class ValidationProblem extends HttpProblem {
  constructor(readonly errors: FieldError[]) {
    const named = errors.map((e) => (e.field ? `${e.in}.${e.field}` : e.in)).join(', ');
    super(400, 'Invalid request', `invalid ${named}`, { errors }, 'validation');
  }
}
export class BadRequestProblem extends HttpProblem {
  constructor(detail: string) {
    super(400, 'Bad request', detail);
  }
}
export class UnauthorizedProblem extends HttpProblem {
  constructor(detail = 'a valid bearer token is required') {
    super(401, 'Unauthorized', detail);
  }
}
export class ForbiddenProblem extends HttpProblem {
  constructor(detail = 'you may not do this') {
    super(403, 'Forbidden', detail);
  }
}
export class NotFoundProblem extends HttpProblem {
  constructor(detail = 'no such resource') {
    super(404, 'Not found', detail);
  }
}
export class ConflictProblem extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'Conflict', detail, extensions);
  }
}
export class PreconditionFailedProblem extends HttpProblem {
  constructor(detail = 'the resource has changed since you read it') {
    super(412, 'Precondition failed', detail);
  }
}
export class PayloadTooLargeProblem extends HttpProblem {
  constructor(limit: string) {
    super(413, 'Payload too large', `the body exceeds ${limit}`);
  }
}
export class UnsupportedMediaTypeProblem extends HttpProblem {
  constructor(detail = 'send application/json') {
    super(415, 'Unsupported media type', detail);
  }
}
export class TooManyRequestsProblem extends HttpProblem {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'Too many requests', `retry after ${retryAfterSeconds} s`);
  }
}
/** Too busy right now, not broken: 503 with Retry-After, which no circuit breaker counts. */
export class OverloadedProblem extends HttpProblem {
  constructor(
    detail: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(503, 'Overloaded', detail);
  }
}
export class ServiceUnavailableProblem extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(503, 'Service unavailable', detail, extensions);
  }
}
export class GatewayTimeoutProblem extends HttpProblem {
  constructor(detail: string) {
    super(504, 'Gateway timeout', detail);
  }
}
