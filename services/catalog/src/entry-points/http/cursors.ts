import { z } from 'zod';

const cursorPayload = z.tuple([z.string().min(1).max(200), z.uuid()]);

/** Page cursors: the keyset (title, id) of the last course of a page, opaque to clients. */
export const cursors = {
  encode: (after: { title: string; id: string }) =>
    Buffer.from(JSON.stringify([after.title, after.id])).toString('base64url'),
  /** The keyset a cursor stands for, or undefined when it is not one this API issued. */
  decode(cursor: string): { title: string; id: string } | undefined {
    try {
      const [cursorTitle, id] = cursorPayload.parse(
        JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')),
      );
      return { title: cursorTitle, id };
    } catch {
      return undefined;
    }
  },
};
