// Every registered property, in catalogue order. Later areas (network, firewall, world)
// append theirs here; scripts and spec files read only this list.
import type { PropertyDef } from './registry-types.ts';
import type { Scenario } from './replication/oracle.ts';
import { REPLICATION_PROPERTIES } from './replication/properties.ts';

export const PROPERTIES: readonly PropertyDef<Scenario>[] = [...REPLICATION_PROPERTIES];

export function propertyById(id: string): PropertyDef<Scenario> | undefined {
  return PROPERTIES.find((p) => p.id === id);
}
