// The host check's firewall verdicts as a property (issue 16, blind spot 3): F2-check and its
// twin on the correct model.
import { describe } from 'vitest';
import { propertySuite } from './suite.ts';

describe('host check: the correct model', () => propertySuite('host-check'));
