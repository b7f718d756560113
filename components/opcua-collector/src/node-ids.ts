/** Node id strings as written in the configuration (the OPC UA text form), checked without loading node-opcua. */

const NODE_ID = /^(?:(?:ns=\d{1,5}|nsu=[^;]+);)?(?:i=\d{1,10}|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/s;

/** Why `id` is not a node id (the OPC UA string form), or undefined when it is one. */
export function nodeIdProblem(id: string): string | undefined {
  if (NODE_ID.test(id)) return undefined;
  return `"${id}" is not a node id (expected e.g. ns=1;s=Tag, ns=2;i=1001, nsu=urn:x;s=Tag, i=2258)`;
}
