import { z } from 'zod';

/** Inputs and outputs of authenticator apps, recovery codes and the second step of a login. */

/** The account's current password, given again to confirm a change to its second factors. */
export const currentPasswordSchema = z
  .string()
  .min(1)
  .max(1024)
  .meta({ description: 'The current password', example: 'correct horse battery' });

export const totpCodeSchema = z
  .string()
  .regex(/^\s*\d{3}\s?\d{3}\s*$/, 'Expected the 6 digits the authenticator app shows')
  .meta({ description: 'The 6-digit code the authenticator app shows now', example: '492039' });

export const recoveryCodeSchema = z
  .string()
  .min(8)
  .max(32)
  .regex(/^[0-9A-Za-z\s-]+$/, 'Expected a recovery code such as 7kq4m-x2c9p')
  .meta({ description: 'One of the recovery codes (each works once)', example: '7kq4m-x2c9p' });

const mfaToken = z.string().min(1).max(256).meta({
  description: 'The mfa_token of the 401 MFA_REQUIRED answer',
  example: 'kGm2y8vC4Q0ZkXq1rT5bN3sW7eJ9pLhA6dF0uYtR2iE',
});

/** Exactly one of `code` and `recovery_code`. */
function oneProof(
  value: { code?: string | undefined; recovery_code?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if ((value.code === undefined) === (value.recovery_code === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['code'], message: 'Send either code or recovery_code' });
  }
}

export const totpSetupInput = z
  .strictObject({ password: currentPasswordSchema })
  .meta({ id: 'TotpSetupInput', example: { password: 'correct horse battery' } });

export const totpSetupSchema = z
  .object({
    secret: z.string().meta({ description: 'The shared secret, base32, for typing into an app by hand' }),
    otpauth_url: z.string().meta({ description: 'otpauth://totp/… as authenticator apps scan it' }),
    qr_svg: z.string().meta({ description: 'The otpauth URL as a QR code (an SVG document)' }),
  })
  .meta({
    id: 'TotpSetup',
    example: {
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      otpauth_url:
        'otpauth://totp/Roster:ada%40example.com?issuer=Roster&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
      qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 33 33" …</svg>',
    },
  });

export const totpConfirmInput = z
  .strictObject({ code: totpCodeSchema })
  .meta({ id: 'TotpConfirmInput', example: { code: '492039' } });

export const recoveryCodesSchema = z
  .object({
    recovery_codes: z.array(z.string()).meta({
      description: 'Ten single-use codes for when the app is not at hand. Shown only now: keep them safe',
    }),
  })
  .meta({
    id: 'RecoveryCodes',
    example: {
      recovery_codes: [
        '7kq4m-x2c9p',
        'h3v8d-0zr6w',
        'bn5t2-q9e4k',
        'm1x7c-4pa8s',
        'r6w0y-j3d5f',
        'e8s2n-v7k1q',
        'p4z9b-6m0xc',
        'w2d5h-8t3ry',
        'k9c1f-5qe7n',
        'a0y6j-2s4vb',
      ],
    },
  });

export const mfaStatusSchema = z
  .object({
    totp: z.boolean().meta({ description: 'An authenticator app is on (confirmed)' }),
    passkeys: z.number().int().meta({ description: 'How many passkeys the account has' }),
    recovery_codes_left: z.number().int().meta({ description: 'Unused recovery codes' }),
  })
  .meta({ id: 'MfaStatus', example: { totp: true, passkeys: 1, recovery_codes_left: 9 } });

/** The password and a second factor: what changing the factors themselves asks for. */
export const mfaChangeInput = z
  .strictObject({
    password: currentPasswordSchema,
    code: totpCodeSchema.optional(),
    recovery_code: recoveryCodeSchema.optional(),
  })
  .superRefine(oneProof)
  .meta({ id: 'MfaChangeInput', example: { password: 'correct horse battery', code: '492039' } });

export const mfaLoginInput = z
  .strictObject({
    mfa_token: mfaToken,
    code: totpCodeSchema.optional(),
    recovery_code: recoveryCodeSchema.optional(),
  })
  .superRefine(oneProof)
  .meta({
    id: 'MfaLoginInput',
    example: { mfa_token: 'kGm2y8vC4Q0ZkXq1rT5bN3sW7eJ9pLhA6dF0uYtR2iE', code: '492039' },
  });

export const mfaTokenInput = z.strictObject({ mfa_token: mfaToken }).meta({ id: 'MfaTokenInput' });

export type MfaChangeInput = z.infer<typeof mfaChangeInput>;
