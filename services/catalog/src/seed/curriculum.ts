// The seed curriculum: a backend-engineering path from entry level to senior.
import type { Level } from '../domain/model';

export interface SeedCourse {
  slug: string;
  title: string;
  level: Level;
  summary: string;
  skills: string[];
  prerequisites: string[];
  lessons: string[];
}

export interface SeedTrack {
  slug: string;
  title: string;
  description: string;
  courses: SeedCourse[];
}

export const skills: Record<string, string> = {
  typescript: 'TypeScript',
  nodejs: 'Node.js',
  go: 'Go',
  python: 'Python',
  concurrency: 'Concurrency',
  sql: 'SQL',
  postgresql: 'PostgreSQL',
  mongodb: 'MongoDB',
  redis: 'Redis',
  'data-modeling': 'Data modeling',
  rest: 'REST',
  graphql: 'GraphQL',
  grpc: 'gRPC',
  openapi: 'OpenAPI',
  oauth: 'OAuth 2.0 and OpenID Connect',
  jwt: 'JSON Web Tokens',
  tls: 'TLS',
  'web-security': 'Web security',
  caching: 'Caching',
  messaging: 'Messaging',
  performance: 'Performance',
  docker: 'Docker',
  kubernetes: 'Kubernetes',
  observability: 'Observability',
  'ci-cd': 'CI/CD',
  'system-design': 'System design',
  testing: 'Testing',
  leadership: 'Technical leadership',
};

const course = (
  slug: string,
  title: string,
  level: Level,
  summary: string,
  skillSlugs: string[],
  prerequisites: string[],
  lessons: string[],
): SeedCourse => ({ slug, title, level, summary, skills: skillSlugs, prerequisites, lessons });

export const tracks: SeedTrack[] = [
  {
    slug: 'languages',
    title: 'Languages for the backend',
    description: 'The languages backends are written in, and how their runtimes behave under load.',
    courses: [
      course('typescript-for-backend', 'TypeScript for Backend Developers', 'entry', 'Types that catch bugs before production: strict mode, narrowing, generics and runtime validation at the edges.', ['typescript', 'nodejs'], [], ['Why types on the server', 'Strict mode and narrowing', 'Generics in practice', 'Validating input at runtime', 'Structuring a service']),
      course('node-runtime-internals', 'Node.js Runtime Internals', 'senior', 'The event loop, libuv, streams and backpressure, and how to keep a Node process fast and predictable.', ['nodejs', 'performance'], ['typescript-for-backend'], ['The event loop phases', 'libuv and the thread pool', 'Streams and backpressure', 'Memory and garbage collection', 'Diagnosing a stuck process']),
      course('go-fundamentals', 'Go Fundamentals', 'entry', 'A small language for big services: types, interfaces, errors as values and the standard library.', ['go'], [], ['Packages and modules', 'Structs and interfaces', 'Errors as values', 'The standard HTTP server', 'Testing in Go']),
      course('go-concurrency', 'Concurrency in Go', 'mid', 'Goroutines, channels and the patterns that keep them from leaking or deadlocking.', ['go', 'concurrency'], ['go-fundamentals'], ['Goroutines and the scheduler', 'Channels and select', 'Context and cancellation', 'Worker pools and pipelines', 'Finding races']),
      course('python-for-services', 'Python for Services', 'entry', 'Building and shipping HTTP services in Python, from virtual environments to async I/O.', ['python'], [], ['Environments and packaging', 'A first HTTP service', 'Async I/O with asyncio', 'Type hints and checking', 'Testing with pytest']),
    ],
  },
  {
    slug: 'databases',
    title: 'SQL and NoSQL databases',
    description: 'Relational and document stores side by side: modeling, indexing, transactions and caching.',
    courses: [
      course('sql-fundamentals', 'SQL Fundamentals', 'entry', 'Tables, keys and the queries every backend runs: joins, grouping and constraints.', ['sql', 'postgresql'], [], ['Tables, rows and keys', 'Filtering and sorting', 'Joins', 'Grouping and aggregates', 'Constraints that protect data']),
      course('postgresql-indexing', 'PostgreSQL Indexing and Query Plans', 'mid', 'Reading EXPLAIN, choosing B-tree, GIN or partial indexes, and paginating without OFFSET.', ['postgresql', 'performance'], ['sql-fundamentals'], ['How PostgreSQL stores rows', 'Reading EXPLAIN ANALYZE', 'B-tree, GIN and partial indexes', 'Keyset pagination', 'Full-text search']),
      course('transactions-and-isolation', 'Transactions and Isolation Levels', 'senior', 'Anomalies, isolation levels, locking and optimistic concurrency, and the outbox pattern.', ['postgresql', 'sql'], ['postgresql-indexing'], ['ACID in practice', 'Read phenomena and isolation levels', 'Row locks and SKIP LOCKED', 'Optimistic concurrency with versions', 'The transactional outbox']),
      course('mongodb-data-modeling', 'Document Modeling with MongoDB', 'mid', 'Embedding or referencing, schema validation, indexes and aggregation pipelines.', ['mongodb', 'data-modeling'], ['sql-fundamentals'], ['Documents and collections', 'Embed or reference', 'Indexes and their limits', 'Aggregation pipelines', 'Atomic single-document writes']),
      course('redis-in-practice', 'Redis in Practice', 'mid', 'Data structures, expiry, pub/sub and the patterns that make Redis a good cache and a bad database.', ['redis', 'caching'], [], ['Strings, hashes and sorted sets', 'Expiry and eviction', 'Pub/sub and streams', 'Rate limiting with Redis', 'Persistence and its trade-offs']),
    ],
  },
  {
    slug: 'apis',
    title: 'APIs: REST, GraphQL and RPC',
    description: 'Designing, documenting and evolving the contracts between services and their clients.',
    courses: [
      course('http-and-rest', 'HTTP and REST API Design', 'entry', 'Resources, methods, status codes, caching headers and errors clients can act on.', ['rest'], [], ['HTTP from the wire up', 'Resources and methods', 'Status codes and problem details', 'Conditional requests and ETags', 'Pagination and filtering']),
      course('openapi-contracts', 'Contracts with OpenAPI', 'mid', 'Describing an API once and generating docs, clients and tests from it.', ['openapi', 'rest'], ['http-and-rest'], ['The OpenAPI document', 'Schemas and reuse', 'Validating requests and responses', 'Generating clients', 'Contract testing']),
      course('graphql-apis', 'GraphQL APIs', 'mid', 'Schemas, resolvers, the N+1 problem and how to keep a graph fast and safe.', ['graphql'], ['http-and-rest'], ['Schemas and types', 'Queries and mutations', 'Resolvers and data loaders', 'Pagination with connections', 'Limiting query cost']),
      course('grpc-services', 'gRPC and Protocol Buffers', 'mid', 'Typed RPC between services: protobuf schemas, streaming and deadlines.', ['grpc'], ['http-and-rest'], ['Protocol Buffers', 'Unary and streaming calls', 'Deadlines and cancellation', 'Errors and status codes', 'Evolving a proto schema']),
      course('api-evolution', 'Evolving APIs Without Breaking Clients', 'senior', 'Versioning, deprecation and compatibility rules for APIs and events with many consumers.', ['rest', 'openapi'], ['openapi-contracts'], ['Compatible and breaking changes', 'Versioning strategies', 'Deprecation with headers', 'Versioned events', 'Consumer-driven contracts']),
    ],
  },
  {
    slug: 'security',
    title: 'Security: OAuth, JWT and TLS',
    description: 'Authentication, authorization and transport security done the way attackers expect you not to.',
    courses: [
      course('web-security-basics', 'Web Security Basics', 'entry', 'The OWASP Top 10 from the server side: injection, broken access control and their fixes.', ['web-security'], [], ['Threat modeling a service', 'Injection and parameterised queries', 'Broken access control', 'Security headers and CORS', 'Secrets and configuration']),
      course('oauth2-and-oidc', 'OAuth 2.0 and OpenID Connect', 'mid', 'Flows, scopes, tokens and what each party must verify.', ['oauth', 'web-security'], ['web-security-basics'], ['Roles in OAuth 2.0', 'Authorization code with PKCE', 'Client credentials', 'OpenID Connect and ID tokens', 'Scopes and consent']),
      course('jwt-done-right', 'JSON Web Tokens Done Right', 'mid', 'Signing, verifying, rotating keys, and the attacks on careless verification.', ['jwt', 'web-security'], ['oauth2-and-oidc'], ['Anatomy of a JWT', 'Asymmetric signing and JWKS', 'Verifying every claim', 'Algorithm confusion and alg none', 'Refresh token rotation']),
      course('tls-and-certificates', 'TLS and Certificates', 'mid', 'Handshakes, certificate chains, mutual TLS and operating certificates without outages.', ['tls'], ['web-security-basics'], ['The TLS handshake', 'Certificates and chains', 'Automating renewal', 'Mutual TLS between services', 'Common misconfigurations']),
      course('authorization-at-scale', 'Authorization at Scale', 'senior', 'Roles, attributes and object-level checks across many services.', ['web-security', 'system-design'], ['jwt-done-right'], ['Authentication versus authorization', 'Role- and attribute-based access', 'Object-level authorization', 'Policy engines', 'Auditing access']),
    ],
  },
  {
    slug: 'performance',
    title: 'Performance and messaging',
    description: 'Measuring before optimising, caching with care, and decoupling work with messages.',
    courses: [
      course('profiling-services', 'Profiling Backend Services', 'mid', 'Finding where time and memory go with profilers, flame graphs and benchmarks.', ['performance', 'nodejs'], ['typescript-for-backend'], ['Measure first', 'CPU profiles and flame graphs', 'Heap snapshots', 'Benchmarks that mean something', 'Latency percentiles']),
      course('caching-strategies', 'Caching Strategies', 'mid', 'Cache-aside, write-through, invalidation, stampedes and what to never cache.', ['caching', 'redis'], ['redis-in-practice'], ['Where caches live', 'Cache-aside and TTLs', 'Invalidation by events', 'Stampede protection', 'HTTP caching and ETags']),
      course('messaging-with-rabbitmq', 'Reliable Messaging with RabbitMQ', 'mid', 'Exchanges, queues, acknowledgements and confirms, and how not to lose a message.', ['messaging'], [], ['Exchanges, queues and bindings', 'Acks, prefetch and redelivery', 'Publisher confirms', 'Retries and dead letters', 'Idempotent consumers']),
      course('load-testing', 'Load Testing', 'mid', 'Designing load tests, reading their results and finding the bottleneck.', ['performance', 'testing'], ['profiling-services'], ['Workload models', 'Open and closed load', 'Reading latency distributions', 'Finding the bottleneck', 'Capacity planning']),
      course('scaling-stateful-systems', 'Scaling Stateful Systems', 'senior', 'Replication, partitioning and consistency trade-offs for data that does not fit one machine.', ['system-design', 'postgresql'], ['transactions-and-isolation', 'caching-strategies'], ['Read replicas', 'Partitioning and sharding', 'Consistency models', 'Event-driven architectures', 'Backpressure across services']),
    ],
  },
  {
    slug: 'cloud',
    title: 'Cloud deployment and operations',
    description: 'Containers, orchestration, delivery pipelines and seeing what production does.',
    courses: [
      course('docker-for-developers', 'Docker for Developers', 'entry', 'Images, containers, multi-stage builds and compose for local development.', ['docker'], [], ['Images and layers', 'Writing a Dockerfile', 'Multi-stage builds', 'Compose for local stacks', 'Running as non-root']),
      course('kubernetes-fundamentals', 'Kubernetes Fundamentals', 'mid', 'Deployments, services, probes, config and autoscaling for stateless services.', ['kubernetes', 'docker'], ['docker-for-developers'], ['Pods and deployments', 'Services and ingress', 'Probes and rollouts', 'ConfigMaps and Secrets', 'Autoscaling']),
      course('ci-cd-pipelines', 'CI/CD Pipelines', 'entry', 'From commit to production: builds, tests, artifacts and safe deploys.', ['ci-cd', 'testing'], [], ['What CI is for', 'Fast, reliable test suites', 'Building artifacts once', 'Deployment strategies', 'Rolling back']),
      course('observability-opentelemetry', 'Observability with OpenTelemetry', 'mid', 'Traces, metrics and logs that explain production, and how to follow one request across services.', ['observability'], ['docker-for-developers'], ['Signals: traces, metrics, logs', 'Instrumenting a service', 'Context propagation', 'Sampling', 'From alert to root cause']),
      course('cloud-architecture', 'Cloud Architecture Patterns', 'senior', 'Designing for failure: redundancy, managed services, cost and security in the cloud.', ['system-design', 'kubernetes'], ['kubernetes-fundamentals', 'observability-opentelemetry'], ['Designing for failure', 'Managed versus self-run', 'Network boundaries', 'Multi-region trade-offs', 'Cost as a requirement']),
    ],
  },
  {
    slug: 'career',
    title: 'Career: entry to senior',
    description: 'What changes between levels, and the skills beyond code that each one needs.',
    courses: [
      course('first-year-backend', 'Your First Year as a Backend Engineer', 'entry', 'Reading a codebase, shipping safely and asking good questions.', ['testing'], [], ['Reading an unfamiliar codebase', 'Small, safe changes', 'Writing good pull requests', 'On-call for beginners', 'Asking for help well']),
      course('code-review-practice', 'Code Review Practice', 'mid', 'Reviewing for correctness, design and learning, and being reviewed well.', ['testing', 'leadership'], ['first-year-backend'], ['What to look for', 'Giving useful feedback', 'Reviewing tests', 'Design discussions', 'Being reviewed']),
      course('system-design', 'System Design', 'senior', 'From requirements to architecture: estimates, trade-offs and designs that survive growth.', ['system-design'], ['scaling-stateful-systems'], ['Requirements and estimates', 'APIs and data models', 'Scaling reads and writes', 'Failure modes', 'Presenting a design']),
      course('technical-leadership', 'Technical Leadership', 'senior', 'Setting direction, making decisions stick and growing the engineers around you.', ['leadership'], ['code-review-practice'], ['From senior to lead', 'Architecture decision records', 'Mentoring', 'Managing technical debt', 'Incident leadership']),
    ],
  },
];
