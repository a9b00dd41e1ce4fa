export { apiSettings } from './api-settings.js';
export { createApp, VERSION, type AppOptions } from './app.js';
export { ConfigError, loadConfig, loadDotEnv, type Config } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { startServer, type RunningServer, type StartOptions } from './server.js';
