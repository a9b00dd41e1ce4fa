import { describe, expect, it } from 'vitest';
import { BackgroundTasks, nullMailer, passwordResetMail, verificationMail } from './mail.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BackgroundTasks', () => {
  it('runs work after the caller returns; drain waits for all of it, including work started meanwhile', async () => {
    const tasks = new BackgroundTasks();
    const done: string[] = [];
    tasks.run(async () => {
      await tick(20);
      done.push('slow');
      tasks.run(async () => {
        await tick(5);
        done.push('chained');
      });
    });
    tasks.run(async () => {
      await tick(1);
      done.push('fast');
    });
    expect(done).toEqual([]);
    await tasks.drain();
    expect(done).toEqual(['fast', 'slow', 'chained']);
  });

  it('reports failures through onError and never rejects run or drain', async () => {
    const errors: unknown[] = [];
    const tasks = new BackgroundTasks((e) => errors.push(e));
    const boom = new Error('boom');
    tasks.run(() => Promise.reject(boom));
    tasks.run(async () => {
      await tick(2);
      throw new Error('later');
    });
    tasks.run(async () => undefined);
    await expect(tasks.drain()).resolves.toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(boom);
    expect((errors[1] as Error).message).toBe('later');
  });

  it('swallows failures silently without onError, and drains at once when idle', async () => {
    const tasks = new BackgroundTasks();
    tasks.run(() => Promise.reject(new Error('ignored')));
    await expect(tasks.drain()).resolves.toBeUndefined();
    await expect(new BackgroundTasks().drain()).resolves.toBeUndefined();
  });
});

describe('mail templates', () => {
  it('a reset mail names the link and how long it lasts', () => {
    const mail = passwordResetMail('a@example.com', 'https://x.example/reset-password#token=abc', 60);
    expect(mail.to).toBe('a@example.com');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('within 60 minutes');
    expect(mail.text).toContain('\nhttps://x.example/reset-password#token=abc\n');
  });

  it('a verification mail names the link and how long it lasts', () => {
    const mail = verificationMail('b@example.com', 'https://x.example/verify-email#token=def', 24);
    expect(mail).toMatchObject({ to: 'b@example.com', subject: 'Confirm your email address' });
    expect(mail.text).toContain('within 24 hours');
    expect(mail.text).toContain('https://x.example/verify-email#token=def\n');
  });

  it('the null mailer accepts and drops anything', async () => {
    await expect(nullMailer.send({ to: 'c@example.com', subject: 's', text: 't' })).resolves.toBeUndefined();
  });
});
