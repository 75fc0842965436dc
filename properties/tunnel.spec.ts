import { describe } from 'vitest';
import { propertySuite } from './suite.ts';

describe('tunnel: the correct model', () => propertySuite('tunnel'));
