import { fieldError } from '../lib/errors.js';

/**
 * Checks of user-written SQL for the read-only SQL endpoint. The text is first screened
 * as text (one statement, no FORMAT/OUTFILE/SETTINGS), then ClickHouse's own parse of it
 * (EXPLAIN AST) is walked: it must be a SELECT whose tables are unqualified or in the
 * caller's database, with no table functions and no functions that reach outside it.
 */

/**
 * Scalar functions that read other tables, files, dictionaries, or tell of the host, its
 * users, settings and configuration. A name is also checked as what it is an alias of
 * (`fullHostName` of `FQDN`, `current_user` of `currentUser`): see checkSelectAst.
 */
const FORBIDDEN_FUNCTIONS =
  /^(file|url|s3|s3cluster|gcs|hdfs|azureblobstorage|remote|remotesecure|cluster|clusterallreplicas|mysql|postgresql|jdbc|odbc|sqlite|mongodb|redis|executable|input|joinget|joingetornull|hascolumnintable|getmacro|getserverport|getserversetting|getmergetreesetting|serveruuid|tcpport|fqdn|fullhostname|hostname|displayname|getoskernelversion|buildid|uptime|zookeepersessionuptime|currentuser|user|authenticateduser|authuser|currentroles|enabledroles|defaultroles|currentprofiles|enabledprofiles|defaultprofiles|getclienthttpheader|shardnum|shardcount|globalvariable|filesystemavailable|filesystemcapacity|filesystemunreserved|dictget\w*|dicthas|dictisin|dictgethierarchy|dictgetchildren|dictgetdescendants)$/i;

/**
 * Tables of an organization's database that its SQL may not read, with where they are
 * read instead: the audit trail is for administrators, and a collector's URL may hold a
 * credential that its routes show redacted.
 */
const PRIVATE_TABLES: ReadonlyMap<string, string> = new Map([
  ['gridscope_audit_log', 'the audit trail; read it with GET /api/v1/monitoring/audit-logs'],
  [
    'gridscope_collectors',
    'the collectors, whose URLs may hold credentials; read them with GET /api/v1/monitoring/collectors',
  ],
]);

/** IN-family functions, whose right side may name a table. */
const IN_FUNCTIONS = /^(global)?(not)?(null)?in$/i;

/** The longest SQL text accepted. */
export const MAX_SQL_LENGTH = 100_000;

/** Refuses text that is more than one statement or asks for another output. */
export function screenSqlText(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, '').trim();
  if (text.length === 0) throw fieldError('sql', 'empty', 'body');
  const withoutComments = text.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)/g, '').trim();
  if (withoutComments.length === 0) throw fieldError('sql', 'no statement, only comments', 'body');
  if (text.length > MAX_SQL_LENGTH) {
    throw fieldError('sql', `longer than ${MAX_SQL_LENGTH} characters`, 'body');
  }
  if (text.includes(';')) {
    throw fieldError(
      'sql',
      'one statement only; a semicolon may only end it (also none inside strings)',
      'body',
    );
  }
  return text;
}

interface AstNode {
  label: string;
  children: AstNode[];
  parent: AstNode | undefined;
}

/** Builds a tree from EXPLAIN AST lines, whose depth is their leading spaces. */
export function parseAstLines(lines: readonly string[]): AstNode {
  const root: AstNode = { label: '(root)', children: [], parent: undefined };
  const stack: { depth: number; node: AstNode }[] = [{ depth: -1, node: root }];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const depth = line.length - line.trimStart().length;
    const node: AstNode = { label: line.trim(), children: [], parent: undefined };
    while (stack.length > 1 && stack.at(-1)!.depth >= depth) stack.pop();
    node.parent = stack.at(-1)!.node;
    node.parent.children.push(node);
    stack.push({ depth, node });
  }
  return root;
}

function kind(n: AstNode): string {
  return n.label.split(' ')[0]!;
}

function argument(n: AstNode): string {
  return n.label.split(' ')[1] ?? '';
}

function refuse(message: string): never {
  throw fieldError('sql', message, 'body');
}

/**
 * Checks ClickHouse's parse of a statement (EXPLAIN AST lines) for the read-only SQL
 * endpoint, given the database the statement runs in and the engine's function aliases
 * (a name, lower-cased, to the function it stands for).
 */
export function checkSelectAst(
  lines: readonly string[],
  database: string,
  aliasOf: (name: string) => string | undefined = () => undefined,
): void {
  const tree = parseAstLines(lines);
  const top = tree.children;
  if (top.length !== 1 || !/^Select(WithUnion|IntersectExcept)Query$/.test(kind(top[0]!))) {
    refuse(`only a SELECT is allowed (this is ${top[0] ? kind(top[0]) : 'empty'})`);
  }
  if (top[0]!.children.length !== 1) {
    refuse('FORMAT and INTO OUTFILE are not allowed; results come back as JSON');
  }
  const walk = (n: AstNode): void => {
    const k = kind(n);
    if (k === 'Set') refuse('SETTINGS are not allowed; limits are set by Gridscope');
    if (k === 'TableIdentifier') {
      const name = argument(n);
      if (name.includes('`') || name.includes('"'))
        refuse(`quoted table names are not allowed: ${name}`);
      const dot = name.indexOf('.');
      if (dot >= 0 && name.slice(0, dot) !== database) {
        refuse(
          `table ${name} is outside this organization's database; name tables without a database`,
        );
      }
      const why = PRIVATE_TABLES.get(name.slice(dot + 1));
      if (why !== undefined) refuse(`table ${name} is not readable here: it is ${why}`);
    }
    if (k === 'Function') {
      const name = argument(n);
      if (n.parent && kind(n.parent) === 'TableExpression') {
        refuse(`table functions are not allowed: ${name}()`);
      }
      if (FORBIDDEN_FUNCTIONS.test(name) || FORBIDDEN_FUNCTIONS.test(aliasOf(name) ?? '')) {
        refuse(`function ${name} is not allowed`);
      }
      if (IN_FUNCTIONS.test(name)) {
        const args = n.children[0]?.children ?? [];
        if (args[1] && kind(args[1]) === 'Identifier') {
          refuse(`${name} with a table name is not allowed; use a subquery`);
        }
      }
    }
    for (const c of n.children) walk(c);
  };
  walk(top[0]!);
}
