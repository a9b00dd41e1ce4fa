import { z } from 'zod';
import { currentPasswordSchema } from './mfa.js';
import { lineText } from './text.js';

/**
 * WebAuthn as JSON (the WebAuthn Level 3 `toJSON` forms @simplewebauthn/browser produces and takes): the options a
 * ceremony starts from and the browser's response to it, plus the passkeys as their owner sees them.
 */

const base64url = (what: string) =>
  z
    .string()
    .max(16_384)
    .regex(/^[A-Za-z0-9_-]*$/, 'Expected base64url')
    .meta({ description: `${what}, base64url` });

const transports = z.array(z.string().max(32)).max(10);

const descriptor = z.object({
  id: z.string().meta({ description: 'A credential id, base64url' }),
  type: z.string().meta({ example: 'public-key' }),
  transports: transports.optional(),
});

const userVerification = z.enum(['discouraged', 'preferred', 'required']);
const hints = z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional();
const extensions = z
  .object({
    appid: z.string().optional(),
    credProps: z.boolean().optional(),
    hmacCreateSecret: z.boolean().optional(),
    minPinLength: z.boolean().optional(),
  })
  .optional();

export const registrationOptionsSchema = z
  .object({
    rp: z.object({ id: z.string().optional(), name: z.string() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
    timeout: z.number().int().optional(),
    excludeCredentials: z.array(descriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.enum(['cross-platform', 'platform']).optional(),
        requireResidentKey: z.boolean().optional(),
        residentKey: userVerification.optional(),
        userVerification: userVerification.optional(),
      })
      .optional(),
    hints,
    attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
    extensions,
  })
  .meta({
    id: 'PasskeyRegistrationOptions',
    description:
      'PublicKeyCredentialCreationOptionsJSON: pass it to navigator.credentials.create (or startRegistration)',
    example: {
      rp: { id: 'roster.example.com', name: 'Roster' },
      user: {
        id: 'mJ2x0Q8kS2bqv0xS3Wq9m6u5z2Qb1Yt7cN4rP0aL8eE',
        name: 'ada@example.com',
        displayName: 'Ada Lovelace',
      },
      challenge: 'u3K9cQ1wP7xZ0vB2nM5sT8yR4eJ6hG1aD3fL9kC0iO2',
      pubKeyCredParams: [
        { alg: -8, type: 'public-key' },
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
      timeout: 300000,
      excludeCredentials: [],
      authenticatorSelection: {
        residentKey: 'required',
        userVerification: 'preferred',
        requireResidentKey: true,
      },
      attestation: 'none',
      extensions: { credProps: true },
      hints: [],
    },
  });

export const authenticationOptionsSchema = z
  .object({
    challenge: z.string(),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(descriptor).optional(),
    userVerification: userVerification.optional(),
    hints,
    extensions,
  })
  .meta({
    id: 'PasskeyAuthenticationOptions',
    description:
      'PublicKeyCredentialRequestOptionsJSON: pass it to navigator.credentials.get (or startAuthentication)',
    example: {
      challenge: 'Z4pQ8wE1rT6yU0iO3pA9sD2fG5hJ7kL1zX4cV8bN0mQ',
      timeout: 300000,
      rpId: 'roster.example.com',
      allowCredentials: [],
      userVerification: 'required',
    },
  });

/** What the browser reports of extensions. Roster reads none of them; outputs it does not know are dropped. */
const clientExtensionResults = z
  .object({
    appid: z.boolean().optional(),
    credProps: z.object({ rk: z.boolean().optional() }).optional(),
    hmacCreateSecret: z.boolean().optional(),
  })
  .meta({ description: 'The client extension outputs (e.g. credProps); unknown ones are ignored' });

const registrationResponse = z.strictObject({
  id: base64url('The credential id'),
  rawId: base64url('The credential id'),
  type: z.literal('public-key'),
  response: z.strictObject({
    clientDataJSON: base64url('The client data'),
    attestationObject: base64url('The attestation object'),
    authenticatorData: base64url('The authenticator data').optional(),
    transports: transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url('The public key (SPKI)').optional(),
  }),
  authenticatorAttachment: z.enum(['cross-platform', 'platform']).optional(),
  clientExtensionResults,
});

const authenticationResponse = z.strictObject({
  id: base64url('The credential id'),
  rawId: base64url('The credential id'),
  type: z.literal('public-key'),
  response: z.strictObject({
    clientDataJSON: base64url('The client data'),
    authenticatorData: base64url('The authenticator data'),
    signature: base64url('The signature'),
    userHandle: base64url('The user handle').optional(),
  }),
  authenticatorAttachment: z.enum(['cross-platform', 'platform']).optional(),
  clientExtensionResults,
});

const passkeyName = lineText()
  .trim()
  .min(1)
  .max(100)
  .meta({ description: 'What the owner calls it', example: 'Laptop' });

export const registerPasskeyInput = z
  .strictObject({ name: passkeyName.optional(), response: registrationResponse })
  .meta({ id: 'PasskeyRegistrationInput', description: 'The RegistrationResponseJSON the browser produced' });

export const passkeyLoginInput = z
  .strictObject({ response: authenticationResponse })
  .meta({ id: 'PasskeyLoginInput', description: 'The AuthenticationResponseJSON the browser produced' });

export const mfaPasskeyInput = z
  .strictObject({
    mfa_token: z
      .string()
      .min(1)
      .max(256)
      .meta({ description: 'The mfa_token of the 401 MFA_REQUIRED answer' }),
    response: authenticationResponse,
  })
  .meta({ id: 'MfaPasskeyInput' });

export const passkeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable(),
    device_type: z.string().meta({ description: 'singleDevice, or multiDevice (synced)' }),
    backed_up: z.boolean(),
    transports: z.array(z.string()),
  })
  .meta({
    id: 'Passkey',
    example: {
      id: 3,
      name: 'Laptop',
      created_at: '2026-01-31T12:00:00.000Z',
      last_used_at: null,
      device_type: 'multiDevice',
      backed_up: true,
      transports: ['internal', 'hybrid'],
    },
  });

const passkeyId = z.number().int().positive().max(2_147_483_647);

/** Deleting a passkey: which one (the path's id) and the current password, as turning the app off needs. */
export const removePasskeyInput = z
  .strictObject({ id: passkeyId, password: currentPasswordSchema })
  .meta({ id: 'PasskeyDeleteInput', example: { password: 'correct horse battery' } });

export const renamePasskeyInput = z
  .strictObject({ id: passkeyId, name: passkeyName })
  .meta({ id: 'PasskeyRenameInput' });

export type RegistrationResponseInput = z.infer<typeof registrationResponse>;
export type AuthenticationResponseInput = z.infer<typeof authenticationResponse>;
export type PasskeyOut = z.infer<typeof passkeySchema>;
