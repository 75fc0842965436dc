// Reachability twins: which of their goals a case reaches, whatever area walks it.

/**
 * The goals that hold at some step of a walk: `walk` calls `see` with each step's view, and a
 * goal counts once however often it holds (PropertyDef.reach).
 */
export function goalsReached<V>(
  goals: Readonly<Record<string, (v: V) => boolean>>,
  walk: (see: (v: V) => void) => void,
): string[] {
  const hit = new Set<string>();
  walk((v) => {
    for (const [g, p] of Object.entries(goals)) if (!hit.has(g) && p(v)) hit.add(g);
  });
  return [...hit];
}
