export { apiSettings } from './infra/api-settings.js';
export { createApp, VERSION, type AppOptions } from './http/app.js';
export { ConfigError, loadConfig, loadDotEnv, type Config } from './infra/config.js';
export { createLogger, type Logger } from './infra/logger.js';
export { startServer, type RunningServer, type StartOptions } from './server.js';
