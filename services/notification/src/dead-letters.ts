// `npm run dead-letters -w @syllabus/notification -- list [N]` shows the events that failed
// every attempt; `… -- replay [N]` moves them back into the queue, attempts reset. Each replay
// is traced (the telemetry preload), linked to the trace in which the event failed.
import { loadConfigOrExit } from '@syllabus/config';
import { createBroker } from '@syllabus/messaging';
import { createLogger } from '@syllabus/service-kit';
import { shutdownTelemetry } from '@syllabus/telemetry';
import { configSchema } from './config';

const QUEUE = 'notification.events';

async function main(command: string | undefined, limit: number) {
  const config = loadConfigOrExit(configSchema);
  const broker = await createBroker({
    url: config.RABBITMQ_URL,
    prefix: config.MESSAGING_PREFIX,
    logger: createLogger({ service: 'dead-letters', level: 'warn' }),
  });
  try {
    for (let i = 0; i < 100 && !broker.connected; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (command === 'list') {
      const letters = await broker.peekDeadLetters(QUEUE, limit);
      for (const letter of letters)
        process.stdout.write(`${JSON.stringify({ ...letter, body: undefined })}\n`);
      process.stdout.write(`${letters.length} dead letter(s) in ${QUEUE}.dead-letter\n`);
    } else if (command === 'replay') {
      const replayed = await broker.replayDeadLetters(QUEUE, limit);
      process.stdout.write(`${replayed} dead letter(s) moved back to ${QUEUE}\n`);
    } else {
      process.stderr.write('usage: dead-letters list|replay [limit]\n');
      process.exitCode = 2;
    }
  } finally {
    await broker.close();
    await shutdownTelemetry(); // the replays' spans, exported before the process ends
  }
}

main(process.argv[2], Number(process.argv[3] ?? 100)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
