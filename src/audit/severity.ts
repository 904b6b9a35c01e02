/** Finding severities, worst first, and their rank (higher is worse). */
import { defaults } from '../defaults.js';

export type Severity = (typeof defaults.audit.severities)[number];
export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
