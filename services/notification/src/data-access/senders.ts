import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { SIGNATURE_HEADER, sign } from '../domain/signing';
import { guardedLookup, isForbiddenAddress } from '../domain/ssrf';

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** `<delivery-{id}@{the sender's domain}>`: one id per delivery, however often it is sent. */
const messageIdOf = (deliveryId: string, from: string) =>
  `<delivery-${deliveryId}@${/@([^>\s]+)/.exec(from)?.[1] ?? 'syllabus.localhost'}>`;

/** Sends email over SMTP (Mailpit in docker compose; an in-process SMTP server in the tests). */
export function createEmailSender(options: { smtpUrl: string; from: string; timeoutMs: number }) {
  // Bounded at every step, so a stalled mail server holds one delivery slot for a while, not for ever.
  // The timeouts go with the URL in the transport's options: createTransport's second argument
  // holds defaults for every message, where a timeout would be ignored.
  const transport = createTransport({
    url: options.smtpUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    /**
     * Resolves once the server accepted it; rejects when the whole exchange takes longer than the
     * deadline. The Message-ID is derived from the delivery, so a resend after a crash (SMTP is at
     * least once: the server may have taken a mail whose acceptance we never recorded) carries
     * the same id and is recognisable as the same mail, by the recipient's client and by us.
     */
    async send(email: Email, ids: { eventId: string; deliveryId: string }) {
      let deadline: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          transport.sendMail({
            from: options.from,
            ...email,
            messageId: messageIdOf(ids.deliveryId, options.from),
            headers: { 'Syllabus-Event-Id': ids.eventId },
          }),
          new Promise((_, reject) => {
            deadline = setTimeout(
              () => reject(new Error(`the mail server did not accept it within ${options.timeoutMs} ms`)),
              options.timeoutMs,
            );
          }),
        ]);
      } finally {
        clearTimeout(deadline);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * POSTs one signed event; resolves on a 2xx, rejects on anything else, a refused address, or when
 * the whole exchange has not finished within `timeoutMs` — a receiver that drips its answer one
 * byte at a time is cut off like one that never answers.
 */
export function createWebhookClient(options: { timeoutMs: number; allowPrivateNetworks: boolean }) {
  return (target: { url: string; secret: string }, event: { id: string; type: string }) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(target.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && isForbiddenAddress(host) && !options.allowPrivateNetworks) {
        reject(new Error(`refusing to connect to ${host}`));
        return;
      }
      const body = JSON.stringify(event);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'POST',
          timeout: options.timeoutMs,
          lookup: guardedLookup(options.allowPrivateNetworks),
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'Syllabus-Webhooks/1',
            'Syllabus-Event-Id': event.id,
            'Syllabus-Event-Type': event.type,
            [SIGNATURE_HEADER]: sign(target.secret, Math.floor(Date.now() / 1000), body),
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            clearTimeout(deadline);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(status);
            else reject(new Error(`the receiver answered ${status}`));
          });
        },
      );
      const deadline = setTimeout(
        () => req.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      req.once('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.once('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      req.end(body);
    });
}

export type WebhookClient = ReturnType<typeof createWebhookClient>;
export type EmailSender = ReturnType<typeof createEmailSender>;
