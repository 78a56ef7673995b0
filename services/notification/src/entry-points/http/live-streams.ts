import type { Response } from 'express';
import type { Fanout } from '../../data-access/fanout';
import type { Notification } from '../../domain/ports';
import type { FeedService } from '../../domain/feed';

/**
 * Server-Sent Events: each learner's new notifications, numbered by their feed sequence so a
 * client that reconnects with `Last-Event-ID` first receives what it missed. Comments keep
 * idle connections (and the proxies between) alive.
 */
export function createLiveStreams(deps: {
  feed: FeedService;
  fanout: Fanout;
  heartbeatMs: number;
  /** A stream ends after this; the client reconnects with Last-Event-ID and a current token. */
  maxDurationMs: number;
}) {
  const open = new Set<Response>();

  return {
    async open(userId: string, lastSeen: number | undefined, res: Response) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 3000\n\n');
      open.add(res);

      // Without Last-Event-ID a stream starts now; with it, after the last event the client saw.
      // Each notification goes out once. Not by a high-water mark: two notifications made at
      // once can commit, and so arrive here, in the other order than their sequence numbers
      // (a lesson's and the course's it completes) — a mark would drop the lower one.
      const sent = new Set<number>();
      const send = (notification: Notification) => {
        if ((lastSeen !== undefined && notification.seq <= lastSeen) || sent.has(notification.seq)) return;
        sent.add(notification.seq);
        res.write(`id: ${notification.seq}\nevent: notification\ndata: ${JSON.stringify(notification)}\n\n`);
      };
      // Live events are held back until the backlog is out, so nothing arrives out of order.
      let backlogSent = false;
      const held: Notification[] = [];
      const unsubscribe = deps.fanout.subscribe(userId, (notification) =>
        backlogSent ? send(notification) : held.push(notification),
      );
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs);
      const lifetime = setTimeout(() => res.end(), deps.maxDurationMs);
      res.once('close', () => {
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        unsubscribe();
        open.delete(res);
      });

      if (lastSeen !== undefined)
        for (const missed of await deps.feed.after(userId, lastSeen, 500)) send(missed);
      backlogSent = true;
      for (const notification of held.sort((a, b) => a.seq - b.seq)) send(notification);
    },

    /** Ends every stream, so that a shutting-down server is not held open by them. */
    closeAll() {
      for (const res of open) res.end();
    },
  };
}

export type LiveStreams = ReturnType<typeof createLiveStreams>;
