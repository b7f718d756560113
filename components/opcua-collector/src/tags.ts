/**
 * Tag selection: explicit node ids and browse-path filters → the variables to collect, each with
 * its browse path (`/Site1/AreaA/Line1/Filler/Temperature`) and property group. Problems (a node
 * id the server does not know, a filter that matches nothing) are returned, each naming the
 * culprit; the other tags are still collected.
 */
import {
  AttributeIds,
  BrowseDirection,
  NodeClass,
  NodeId,
  browseAll,
  resolveNodeId,
  type BrowseDescriptionOptions,
  type ClientSession,
  type ReferenceDescription,
} from 'node-opcua';
import { compileFilter, filterMatches, filterMayMatchDeeper, pathSegments, type BrowseFilter } from './browse-path';
import type { GroupSettings } from './config';

export interface GroupSpec extends GroupSettings {
  name: string;
  /** Filters (paths) and node ids (normalised) that select this group; empty for the default group. */
  filters: BrowseFilter[];
  nodeIds: Set<string>;
}

export interface Tag {
  /** Normalised node id text (`ns=1;s=/Site1/...`). */
  nodeId: string;
  /** Browse path from the Objects folder. */
  path: string;
  group: GroupSpec;
  /** Last time a value of this tag was queued (deadband timeout). */
  lastSentAt: number;
  /** The last few subscription values (timestamp, value, quality), to skip republished duplicates. */
  recent?: { ts: number; value: unknown; quality: string }[];
  recentNext?: number;
}

export interface TagProblem {
  code: 'opcua_node_unknown' | 'opcua_node_not_variable' | 'opcua_filter_no_match' | 'opcua_browse_failed';
  /** The node id or filter, as configured. */
  subject: string;
  message: string;
}

const OBJECTS = 'ns=0;i=85';
const SERVER = 'ns=0;i=2253';
const HAS_PROPERTY = 'ns=0;i=46';
const BROWSE_SLICE = 500;
const MAX_DEPTH = 32;

/** Normalised text of a node id (so `ns=1;s=A` and `ns=1;s=A` configured differently compare equal). */
export function normaliseNodeId(id: string): string {
  return resolveNodeId(id).toString();
}

export function groupFor(path: string, nodeId: string, groups: readonly GroupSpec[], fallback: GroupSpec): GroupSpec {
  const segs = pathSegments(path);
  for (const g of groups) {
    if (g.nodeIds.has(nodeId)) return g;
    if (g.filters.some((f) => filterMatches(f, segs))) return g;
  }
  return fallback;
}

export interface ResolveInput {
  nodeIds: string[];
  nodeFilters: string[];
  groups: GroupSpec[];
  defaultGroup: GroupSpec;
}

export async function resolveTags(session: ClientSession, input: ResolveInput): Promise<{ tags: Tag[]; problems: TagProblem[] }> {
  const problems: TagProblem[] = [];
  const found = new Map<string, string>(); // nodeId → path
  await resolveExplicit(session, input.nodeIds, found, problems);
  await browseFilters(session, input.nodeFilters, found, problems);
  const tags: Tag[] = [];
  for (const [nodeId, path] of found) tags.push({ nodeId, path, group: groupFor(path, nodeId, input.groups, input.defaultGroup), lastSentAt: 0 });
  return { tags, problems };
}

async function resolveExplicit(session: ClientSession, ids: string[], found: Map<string, string>, problems: TagProblem[]): Promise<void> {
  const nodes: NodeId[] = [];
  const valid: string[] = [];
  for (const id of ids) {
    try {
      nodes.push(resolveNodeId(id));
      valid.push(id);
    } catch (err) {
      problems.push({ code: 'opcua_node_unknown', subject: id, message: `Node id ${id} cannot be parsed (${err instanceof Error ? err.message : String(err)}); it is not collected.` });
    }
  }
  ids = valid;
  if (ids.length === 0) return;
  const read = await session.read(nodes.flatMap((nodeId) => [{ nodeId, attributeId: AttributeIds.NodeClass }, { nodeId, attributeId: AttributeIds.BrowseName }]));
  for (let i = 0; i < ids.length; i++) {
    const cls = read[2 * i]!;
    if (!cls.statusCode.isGood()) {
      problems.push({ code: 'opcua_node_unknown', subject: ids[i]!, message: `Node ${ids[i]} is not known to the server (${cls.statusCode.name}); it is not collected.` });
      continue;
    }
    if (cls.value.value !== NodeClass.Variable) {
      problems.push({ code: 'opcua_node_not_variable', subject: ids[i]!, message: `Node ${ids[i]} is not a variable (node class ${NodeClass[cls.value.value as number]}); it is not collected.` });
      continue;
    }
    const nodeId = nodes[i]!.toString();
    if (found.has(nodeId)) continue;
    found.set(nodeId, await browsePathOf(session, nodes[i]!, String(read[2 * i + 1]!.value.value?.name ?? nodeId)));
  }
}

/** The browse path of a node, walking up hierarchical references to the Objects folder. */
async function browsePathOf(session: ClientSession, node: NodeId, ownName: string): Promise<string> {
  const names = [ownName];
  let current = node;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const r = await session.browse({ nodeId: current, browseDirection: BrowseDirection.Inverse, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, nodeClassMask: 0, resultMask: 63 });
    const parent = r.references?.[0];
    if (!parent) break;
    const pid = parent.nodeId.toString();
    if (pid === OBJECTS || pid === 'ns=0;i=84') break;
    names.unshift(String(parent.browseName.name));
    current = NodeId.resolveNodeId(parent.nodeId.toString());
  }
  return `/${names.join('/')}`;
}

async function browseFilters(session: ClientSession, texts: string[], found: Map<string, string>, problems: TagProblem[]): Promise<void> {
  if (texts.length === 0) return;
  const filters = texts.map(compileFilter);
  const hits = new Array<number>(filters.length).fill(0);
  const wantsServer = texts.some((t) => t.startsWith('/Server/') || t === '/Server');
  const visited = new Set<string>([OBJECTS]);
  let frontier: { nodeId: string; segs: string[] }[] = [{ nodeId: OBJECTS, segs: [] }];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    const next: { nodeId: string; segs: string[] }[] = [];
    for (let i = 0; i < frontier.length; i += BROWSE_SLICE) {
      const slice = frontier.slice(i, i + BROWSE_SLICE);
      const descs: BrowseDescriptionOptions[] = slice.map((n) => ({
        nodeId: n.nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: NodeClass.Object | NodeClass.Variable,
        resultMask: 63,
      }));
      const results = await browseAll(session, descs);
      results.forEach((res, k) => {
        const parent = slice[k]!;
        if (!res.statusCode.isGood()) {
          problems.push({ code: 'opcua_browse_failed', subject: `/${parent.segs.join('/')}`, message: `Browsing /${parent.segs.join('/')} failed (${res.statusCode.name}).` });
          return;
        }
        for (const ref of res.references ?? []) visit(ref, parent.segs);
      });
    }
    frontier = next;

    function visit(ref: ReferenceDescription, parentSegs: string[]): void {
      if (ref.referenceTypeId.toString() === HAS_PROPERTY) return;
      const id = ref.nodeId.toString();
      if (id === SERVER && !wantsServer) return;
      const segs = [...parentSegs, String(ref.browseName.name)];
      if (ref.nodeClass === NodeClass.Variable) {
        let matched = false;
        filters.forEach((f, fi) => {
          if (filterMatches(f, segs)) {
            hits[fi]!++;
            matched = true;
          }
        });
        if (matched && !found.has(id)) found.set(id, `/${segs.join('/')}`);
      }
      if (visited.has(id)) return;
      if (!filters.some((f) => filterMayMatchDeeper(f, segs))) return;
      visited.add(id);
      next.push({ nodeId: id, segs });
    }
  }
  filters.forEach((f, i) => {
    if (hits[i] === 0) problems.push({ code: 'opcua_filter_no_match', subject: f.text, message: `The node filter ${f.text} matches no variable; check the browse path.` });
  });
}
