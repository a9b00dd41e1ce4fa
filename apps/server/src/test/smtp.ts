import type { AddressInfo } from 'node:net';
import { closedPort } from '@roster/testing';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { startTestServer, type TestServer } from './harness.js';

export interface ReceivedMail {
  /** The envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** Every http(s) URL in the plain-text body, in order. */
  links: string[];
  parsed: ParsedMail;
}

export interface Inbox {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL is set to. */
  url: string;
  /** Every message received so far, oldest first. */
  messages: ReceivedMail[];
  /** Every message received so far for `to`. */
  for(to: string): ReceivedMail[];
  /**
   * The next message for `to` that no earlier `waitFor` returned (oldest first), as soon as it arrives; rejects
   * after `timeoutMs`.
   */
  waitFor(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/g;

/** A real SMTP server in this process on an ephemeral port: it accepts every message and keeps it, parsed. */
export async function startInbox(): Promise<Inbox> {
  const messages: ReceivedMail[] = [];
  const claimed = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      simpleParser(stream).then(
        (parsed) => {
          const text = parsed.text ?? '';
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text,
            links: text.match(URL_IN_TEXT) ?? [],
            parsed,
          });
          for (const wake of [...waiters]) wake();
          done();
        },
        (error: Error) => done(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const forRecipient = (to: string) => messages.filter((m) => m.to.includes(to.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    for: forRecipient,
    waitFor(to, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const next = forRecipient(to).find((m) => !claimed.has(m));
          if (!next) return false;
          claimed.add(next);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(next);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail for ${to} within ${timeoutMs} ms (got ${messages.length} in all)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A Roster that mails through `inbox`, listening on a port known beforehand so that PUBLIC_URL (the origin of
 * every link it mails) is where it really answers: links can be followed.
 */
export async function startMailingServer(
  inbox: Inbox,
  env: Record<string, string> = {},
): Promise<TestServer> {
  const port = await closedPort();
  return startTestServer({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SMTP_URL: inbox.url,
    MAIL_FROM: 'Roster <roster@example.com>',
    ...env,
  });
}

/** The one link of a Roster mail, split into the page to open and the token its fragment carries. */
export function linkOf(mail: ReceivedMail): { url: URL; page: string; token: string } {
  if (mail.links.length !== 1) throw new Error(`expected one link in the mail, got ${mail.links.length}`);
  const url = new URL(mail.links[0] as string);
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
  return { url, page: `${url.origin}${url.pathname}`, token };
}
