// Every registered property, in catalogue order, and how each area renders its scenarios.
// Scripts and spec files read only this module.

import { FIREWALL_PROPERTIES } from './firewall/properties.ts';
import { FIREWALL_RENDER } from './firewall/render.ts';
import { HOST_CHECK_PROPERTIES } from './host-check/properties.ts';
import { HOST_CHECK_RENDER } from './host-check/render.ts';
import { NETWORK_PROPERTIES } from './network/properties.ts';
import { NETWORK_RENDER } from './network/render.ts';
import type { AreaRender, PropertyDef } from './registry-types.ts';
import { REPLICATION_PROPERTIES } from './replication/properties.ts';
import { REPLICATION_RENDER } from './replication/render.ts';
import { TUNNEL_PROPERTIES } from './tunnel/properties.ts';
import { TUNNEL_RENDER } from './tunnel/render.ts';
import { CLOUD_WORLD_PROPERTIES, CLOUD_WORLD_RENDER } from './tunnel/world.ts';
import { WORLD_PROPERTIES } from './world/properties.ts';
import { WORLD_RENDER } from './world/render.ts';

export const PROPERTIES: readonly PropertyDef[] = [
  ...(REPLICATION_PROPERTIES as readonly PropertyDef[]),
  ...(NETWORK_PROPERTIES as readonly PropertyDef[]),
  ...(FIREWALL_PROPERTIES as readonly PropertyDef[]),
  ...(HOST_CHECK_PROPERTIES as readonly PropertyDef[]),
  ...(WORLD_PROPERTIES as readonly PropertyDef[]),
  ...(TUNNEL_PROPERTIES as readonly PropertyDef[]),
  ...(CLOUD_WORLD_PROPERTIES as readonly PropertyDef[]),
];

const AREAS: Readonly<Record<string, AreaRender>> = {
  replication: REPLICATION_RENDER,
  network: NETWORK_RENDER,
  firewall: FIREWALL_RENDER,
  'host-check': HOST_CHECK_RENDER,
  world: WORLD_RENDER,
  tunnel: TUNNEL_RENDER,
  'cloud-world': CLOUD_WORLD_RENDER,
};

export function areaOf(name: string): AreaRender {
  const a = AREAS[name];
  if (!a) throw new Error(`no area named ${name}`);
  return a;
}

export function propertyById(id: string): PropertyDef | undefined {
  return PROPERTIES.find((p) => p.id === id);
}
