// Errors are data. The named failures (the domain's and the platform's) live in one table in
// @syllabus/contracts; the error handler turns each into RFC 9457 application/problem+json.
import type { DomainError } from '@syllabus/contracts';
import { problemTypes, problemTypeUri, type FieldError, type ProblemName } from '@syllabus/contracts';

export type { FieldError };

export class HttpProblem extends Error {
  readonly type: string;
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    problemName = title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
    this.name = new.target.name;
    this.type = problemTypeUri(problemName);
  }

  /** The problem of a named failure, with its status and title from the table. */
  static named(
    name: ProblemName,
    detail?: string,
    extensions: Record<string, unknown> = {},
    retryAfterSeconds?: number,
  ): HttpProblem {
    const { status, title } = problemTypes[name];
    return new HttpProblem(status, title, detail, extensions, name, retryAfterSeconds);
  }

  static fromDomain(error: DomainError): HttpProblem {
    return HttpProblem.named(error.problem, error.message, error.extensions, error.retryAfterSeconds);
  }
}

export class ValidationProblem extends HttpProblem {
  constructor(readonly errors: FieldError[]) {
    const named = errors.map((e) => (e.field ? `${e.in}.${e.field}` : e.in)).join(', ');
    super(400, 'Invalid request', `invalid ${named}`, { errors }, 'validation');
  }
}
export class UnauthorizedProblem extends HttpProblem {
  constructor(detail = 'a valid bearer token is required') {
    super(401, 'Unauthorized', detail, {}, 'unauthorized');
  }
}
export class ForbiddenProblem extends HttpProblem {
  constructor(detail = 'you may not do this') {
    super(403, 'Forbidden', detail, {}, 'forbidden');
  }
}
export class NotFoundProblem extends HttpProblem {
  constructor(detail = 'no such resource') {
    super(404, 'Not found', detail, {}, 'not-found');
  }
}
export class PayloadTooLargeProblem extends HttpProblem {
  constructor(limit: string) {
    super(413, 'Payload too large', `the body exceeds ${limit}`, {}, 'payload-too-large');
  }
}
export class TooManyRequestsProblem extends HttpProblem {
  constructor(retryAfterSeconds: number) {
    super(
      429,
      'Too many requests',
      `retry after ${retryAfterSeconds} s`,
      {},
      'too-many-requests',
      retryAfterSeconds,
    );
  }
}
/** Too busy right now, not broken: 503 with Retry-After, which no circuit breaker counts. */
export class OverloadedProblem extends HttpProblem {
  constructor(detail: string, retryAfterSeconds = 1) {
    super(503, 'Overloaded', detail, {}, 'overloaded', retryAfterSeconds);
  }
}
export class ServiceUnavailableProblem extends HttpProblem {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(503, 'Service unavailable', detail, extensions, 'service-unavailable');
  }
}
export class GatewayTimeoutProblem extends HttpProblem {
  constructor(detail: string) {
    super(504, 'Gateway timeout', detail, {}, 'gateway-timeout');
  }
}
