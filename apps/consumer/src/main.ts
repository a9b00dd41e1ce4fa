import { isRosterError } from '@roster/sdk';
import { runFlow } from './flow.js';

// The app's entry: runs the flow against ROSTER_URL and prints the summary as JSON (exit code 1 on failure).
// eslint-disable-next-line no-restricted-properties -- this app's one configuration read
const url = process.env.ROSTER_URL || 'http://127.0.0.1:8000';

try {
  const summary = await runFlow(url);
  console.log(JSON.stringify(summary, null, 2));
} catch (error) {
  if (isRosterError(error)) {
    console.error(`Roster flow failed at ${url}: ${error.code} (HTTP ${error.status}): ${error.detail}`);
  } else {
    console.error(`Roster flow failed at ${url}:`, error);
  }
  process.exitCode = 1;
}
