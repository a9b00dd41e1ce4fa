export { ApiKey, ApiKeySchema } from './ApiKey.js';
export { ACTION_PURPOSES, ActionToken, ActionTokenSchema, type ActionPurpose } from './ActionToken.js';
export { AuditEvent, AuditEventSchema } from './AuditEvent.js';
export { MfaChallenge, MfaChallengeSchema } from './MfaChallenge.js';
export { Passkey, PasskeySchema } from './Passkey.js';
export { RecoveryCode, RecoveryCodeSchema } from './RecoveryCode.js';
export { RefreshToken, RefreshTokenSchema } from './RefreshToken.js';
export { Session, SessionSchema } from './Session.js';
export { TotpFactor, TotpFactorSchema } from './TotpFactor.js';
export { ROLES, User, UserSchema, type Role } from './User.js';
export {
  WEBAUTHN_PURPOSES,
  WebAuthnChallenge,
  WebAuthnChallengeSchema,
  type WebAuthnPurpose,
} from './WebAuthnChallenge.js';
export {
  DELIVERY_STATUSES,
  WebhookDelivery,
  WebhookDeliverySchema,
  type DeliveryStatus,
} from './WebhookDelivery.js';
export {
  RESPONSE_EXCERPT_LENGTH,
  WEBHOOK_ATTEMPT_ERRORS,
  WebhookDeliveryAttempt,
  WebhookDeliveryAttemptSchema,
  type WebhookAttemptError,
} from './WebhookDeliveryAttempt.js';
export { WebhookEndpoint, WebhookEndpointSchema, type WebhookDisabledReason } from './WebhookEndpoint.js';

import { ActionTokenSchema } from './ActionToken.js';
import { ApiKeySchema } from './ApiKey.js';
import { AuditEventSchema } from './AuditEvent.js';
import { MfaChallengeSchema } from './MfaChallenge.js';
import { PasskeySchema } from './Passkey.js';
import { RecoveryCodeSchema } from './RecoveryCode.js';
import { RefreshTokenSchema } from './RefreshToken.js';
import { SessionSchema } from './Session.js';
import { TotpFactorSchema } from './TotpFactor.js';
import { UserSchema } from './User.js';
import { WebhookDeliverySchema } from './WebhookDelivery.js';
import { WebhookDeliveryAttemptSchema } from './WebhookDeliveryAttempt.js';
import { WebhookEndpointSchema } from './WebhookEndpoint.js';
import { WebAuthnChallengeSchema } from './WebAuthnChallenge.js';

export const entities = [
  UserSchema,
  AuditEventSchema,
  SessionSchema,
  RefreshTokenSchema,
  ActionTokenSchema,
  ApiKeySchema,
  WebhookEndpointSchema,
  WebhookDeliverySchema,
  WebhookDeliveryAttemptSchema,
  TotpFactorSchema,
  RecoveryCodeSchema,
  MfaChallengeSchema,
  PasskeySchema,
  WebAuthnChallengeSchema,
];
