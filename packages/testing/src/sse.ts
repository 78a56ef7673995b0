export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A real Server-Sent Events client over HTTP. It returns once the answer's headers have
 * arrived — the server has accepted the stream by then, so what happens afterwards reaches it;
 * a test that starts acting before that races the subscription. Events and heartbeat comments
 * are collected as they stream.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  let heartbeats = 0;
  let endedByServer = false;
  const reading = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) heartbeats += 1;
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            if (field === 'id' || field === 'event' || field === 'data') event[field] = rest.join(': ');
          }
          if (event.data) events.push(event);
        }
      }
      endedByServer = true;
    } catch {
      // aborted by close()
    }
  })();
  return {
    response,
    events,
    heartbeats: () => heartbeats,
    endedByServer: () => endedByServer,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

export type EventStream = Awaited<ReturnType<typeof openEventStream>>;
