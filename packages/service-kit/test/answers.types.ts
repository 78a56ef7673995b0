// What a handler may answer, checked by the compiler: `npm run typecheck` compiles this file and
// nothing runs it. Each `@ts-expect-error` marks an answer its route does not declare, beside a
// twin that compiles and differs only in that one thing; if the kit let the wrong answer through,
// its directive would be unused, and that is an error too.
import { route } from '@syllabus/contracts';
import { z } from 'zod';
import { JsonText, streamed, type RouteHandler } from '../src';

const thing = z.strictObject({ id: z.string() });
const common = { summary: 'A thing', access: 'anyone', params: z.strictObject({ id: z.string() }) } as const;
export const getThing = route({
  ...common,
  operationId: 'getThing',
  method: 'get',
  path: '/things/{id}',
  responses: { 200: { description: 'The thing', body: thing } },
});
export const createThing = route({
  ...common,
  operationId: 'createThing',
  method: 'post',
  path: '/things/{id}',
  responses: {
    201: { description: 'Made', body: thing, headers: z.strictObject({ Location: z.string() }) },
  },
});
export const deleteThing = route({
  ...common,
  operationId: 'deleteThing',
  method: 'delete',
  path: '/things/{id}',
  responses: { 204: { description: 'Gone' } },
});
export const watchThing = route({
  ...common,
  operationId: 'watchThing',
  method: 'get',
  path: '/things/{id}/stream',
  responses: { 200: { description: 'Its changes', body: z.string(), contentType: 'text/event-stream' } },
});

type Get = RouteHandler<typeof getThing>;
type Create = RouteHandler<typeof createThing>;
type Delete = RouteHandler<typeof deleteThing>;
type Watch = RouteHandler<typeof watchThing>;

// The status: only a declared one.
export const declaredStatus: Get = () => ({ status: 200, body: { id: 'a' } });
// @ts-expect-error 201 is not an answer getThing declares
export const undeclaredStatus: Get = () => ({ status: 201, body: { id: 'a' } });

// The body: the declared schema's.
export const declaredBody: Get = () => ({ status: 200, body: { id: 'a' } });
// @ts-expect-error a body with a field the schema does not have
export const undeclaredBody: Get = () => ({ status: 200, body: { name: 'a' } });

// A body already serialised carries the type it is the text of.
const thingText = new JsonText<{ id: string }>('{"id":"a"}');
const otherText = new JsonText<{ name: string }>('{"name":"a"}');
export const declaredText: Get = () => ({ status: 200, body: thingText });
// @ts-expect-error the text of something else
export const undeclaredText: Get = () => ({ status: 200, body: otherText });

// No body where none is declared.
export const noBody: Delete = () => ({ status: 204 });
// @ts-expect-error a body for a 204
export const bodyForNone: Delete = () => ({ status: 204, body: { id: 'a' } });

// The declared headers must be there; others may be added.
export const declaredHeaders: Create = () => ({
  status: 201,
  headers: { Location: '/things/a' },
  body: { id: 'a' },
});
// @ts-expect-error the Location the route declares is missing
export const missingHeader: Create = () => ({ status: 201, headers: { ETag: '"a"' }, body: { id: 'a' } });

// A stream is written by the handler itself, and only where one is declared.
export const declaredStream: Watch = () => streamed;
// @ts-expect-error getThing declares no stream
export const undeclaredStream: Get = () => streamed;
