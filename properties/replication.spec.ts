import { describe } from 'vitest';
import { propertySuite } from './suite.ts';

describe('replication: the correct model', () => propertySuite('replication'));
