import { GraphQLError } from 'graphql';

/** The largest page a service answers (`limit` ≤ 100): a GraphQL page and what it skips fit in it. */
const SERVICE_PAGE_MAX = 100;

/** A page as the services answer it: its items, and the cursor of the next page (null on the last). */
export interface ServicePage<T> {
  items: T[];
  nextCursor: string | null;
}

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * A cursor per edge, as Relay connections have, over services that issue one per page: an edge's
 * cursor is the service's cursor of its page and how many items of that page come before the
 * next edge. Opaque to clients (base64url of JSON); one the gateway did not issue is refused.
 */
const encode = (serviceCursor: string | null, skip: number) =>
  Buffer.from(JSON.stringify([serviceCursor, skip])).toString('base64url');

function decode(after: string | undefined): { serviceCursor?: string; skip: number } {
  if (after === undefined) return { skip: 0 };
  try {
    const [serviceCursor, skip] = JSON.parse(Buffer.from(after, 'base64url').toString()) as unknown[];
    if (
      (serviceCursor === null || typeof serviceCursor === 'string') &&
      Number.isInteger(skip) &&
      Number(skip) >= 0
    )
      return { serviceCursor: serviceCursor ?? undefined, skip: Number(skip) };
  } catch {
    // not ours
  }
  throw badInput('`after` is not a cursor this API gave');
}

/**
 * One page of a connection, read from a service page: `fetch` gets the service's page after its
 * cursor with at most `limit` items; the edges skip what an edge cursor said was already seen.
 */
export async function connectionPage<T>(
  args: { first: number; after?: string },
  fetch: (serviceCursor: string | undefined, limit: number) => Promise<ServicePage<T>>,
) {
  const { serviceCursor, skip } = decode(args.after);
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > 50)
    throw badInput('`first` must be between 1 and 50');
  if (skip + args.first > SERVICE_PAGE_MAX)
    throw badInput('this cursor is too far into its page; continue from `pageInfo.endCursor`');
  const page = await fetch(serviceCursor, skip + args.first);
  const items = page.items.slice(skip);
  const edges = items.map((node, index) => ({
    node,
    // The last edge of a page continues where the service's next page starts.
    cursor:
      index === items.length - 1 && page.nextCursor !== null
        ? encode(page.nextCursor, 0)
        : encode(serviceCursor ?? null, skip + index + 1),
  }));
  return {
    edges,
    nodes: items,
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
