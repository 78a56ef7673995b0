import { createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signatures. Each delivery carries
 *
 *   Syllabus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
 * constant time, and refuses timestamps older than a few minutes (replays).
 */
export const SIGNATURE_HEADER = 'Syllabus-Signature';

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function sign(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}
