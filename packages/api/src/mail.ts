/** One email. Plain text always; HTML optional. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: SMTP in production, a development transport that logs, or a test inbox. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Drops every message (the default when nothing is configured, e.g. in unit tests). */
export const nullMailer: Mailer = { send: async () => undefined };

export function passwordResetMail(to: string, link: string, minutes: number): MailMessage {
  return {
    to,
    subject: 'Reset your password',
    text:
      `Someone (hopefully you) asked to reset the password of your account.\n\n` +
      `Open this link within ${minutes} minutes to choose a new one:\n${link}\n\n` +
      `If you did not ask for this, ignore this message: your password stays as it is.\n`,
  };
}

export function verificationMail(to: string, link: string, hours: number): MailMessage {
  return {
    to,
    subject: 'Confirm your email address',
    text:
      `Confirm that this address belongs to your account by opening this link within ${hours} hours:\n` +
      `${link}\n\nIf you did not create an account, ignore this message.\n`,
  };
}

/** To the owner of an address someone tried to register again (REQUIRE_VERIFIED_EMAIL: registration is quiet). */
export function registrationAttemptMail(to: string): MailMessage {
  return {
    to,
    subject: 'Someone tried to register with your address',
    text:
      `Someone (perhaps you) tried to create a new account with this email address, which already has one.\n` +
      `No new account was created and nothing about your account changed.\n\n` +
      `If it was you and you forgot your password, ask for a reset link where you log in.\n\n` +
      `If it was not you, you can ignore this message.\n`,
  };
}

/**
 * Work that runs after the response (mail for password resets, so that known and unknown addresses answer alike
 * and equally fast). Failures are reported, never thrown at a caller; `drain()` waits for what is in flight.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  run(work: () => Promise<void>): void {
    const task = (async () => {
      try {
        await work();
      } catch (error) {
        this.onError(error);
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
