import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './generated/schema';

export type { components, operations, paths } from './generated/schema';

/**
 * A client of the public API, typed from its document: paths, parameters, bodies and answers
 * (problems included) are checked by the compiler. `fetch` and headers as openapi-fetch takes them.
 */
export const createSyllabusClient = (baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}) =>
  createClient<paths>({ ...options, baseUrl });

export type SyllabusClient = ReturnType<typeof createSyllabusClient>;
