import type { Mailer, MailMessage } from '@roster/api';
import { createTransport } from 'nodemailer';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * SMTP through nodemailer when SMTP_URL is set. Otherwise, outside production, a development transport that
 * writes each message to the log (links included: there is no other way to read them); in production without
 * SMTP (and in tests), messages are dropped with a warning that names no recipient and no link.
 */
export function createMailer(
  config: Pick<Config, 'mail' | 'env'>,
  logger: Logger,
): Mailer & {
  close(): void;
} {
  if (config.mail.smtpUrl) {
    const transport = createTransport(config.mail.smtpUrl);
    return {
      async send(message: MailMessage) {
        await transport.sendMail({ from: config.mail.from, ...message });
      },
      close: () => transport.close(),
    };
  }
  if (config.env !== 'development') {
    return {
      async send(message: MailMessage) {
        logger.warn({ subject: message.subject }, 'SMTP_URL is not set: an email was not sent');
      },
      close: () => undefined,
    };
  }
  return {
    async send(message: MailMessage) {
      logger.info({ mail: { to: message.to, subject: message.subject, text: message.text } }, 'email (dev)');
    },
    close: () => undefined,
  };
}
