/** What the API needs from configuration. The server builds it from the environment; tests build it directly. */
export interface ApiSettings {
  jwt: {
    /** HS256 key: at least 32 bytes. */
    secret: string;
    accessTokenTtlSeconds: number;
    issuer: string;
    audience: string;
  };
  argon2: {
    /** KiB. OWASP minimum: 19456. */
    memoryCost: number;
    timeCost: number;
    parallelism: number;
  };
}
