/** Dependency order of scheduled nodes, with cycle detection (depth-first, three colours). */
import { DependencyCycleError } from './errors.ts';

/**
 * A node of `schedule(nodes)` (BSB's placement/connectivity strategies): it submits its jobs in `queue(pool)`; its
 * jobs depend on every job of the nodes in `dependsOn`, and keep the cache keys in `cache` alive.
 *
 * @example
 * const prepare: JobNode = { name: 'prepare', queue: (p) => { p.submit('prepare', [0]); } };
 * const place: JobNode = { name: 'place', dependsOn: [prepare], cache: ['table'], queue: (p) => { for (let i = 0; i < 4; i++) p.submit('place', [i]); } };
 */
export interface JobNode<P = any> {
  name?: string;
  dependsOn?: readonly JobNode<P>[];
  cache?: readonly string[];
  queue(pool: P): void;
}

export function nodeName(node: JobNode, index: number): string {
  return node.name ?? `node ${index}`;
}

/** The nodes in an order where every node comes after those it depends on; throws DependencyCycleError. */
export function dependencyOrder<N extends JobNode>(nodes: readonly N[]): N[] {
  const listed = new Set<JobNode>(nodes);
  const names = new Map<JobNode, string>(nodes.map((n, i) => [n, nodeName(n, i)]));
  const state = new Map<JobNode, 'visiting' | 'done'>();
  const order: N[] = [];
  const path: JobNode[] = [];
  const visit = (node: JobNode): void => {
    const seen = state.get(node);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = path.slice(path.indexOf(node)).concat(node).map((n) => names.get(n) ?? n.name ?? '?');
      throw new DependencyCycleError(cycle);
    }
    state.set(node, 'visiting');
    path.push(node);
    // Dependencies on nodes outside the list only order nothing (as in BSB): they are not scheduled here.
    for (const dep of node.dependsOn ?? []) if (listed.has(dep)) visit(dep);
    path.pop();
    state.set(node, 'done');
    order.push(node as N);
  };
  for (const node of nodes) visit(node);
  return order;
}
