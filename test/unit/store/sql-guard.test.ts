import { describe, expect, it } from 'vitest';
import { checkSelectAst, parseAstLines, screenSqlText } from '../../../src/store/sql-guard.js';

// EXPLAIN AST output of ClickHouse for a join, a CTE and an IN subquery.
const JOIN = `SelectWithUnionQuery (children 1)
 ExpressionList (children 1)
  SelectQuery (children 3)
   ExpressionList (children 1)
    Asterisk
   TablesInSelectQuery (children 2)
    TablesInSelectQueryElement (children 1)
     TableExpression (children 1)
      TableIdentifier t
    TablesInSelectQueryElement (children 2)
     TableExpression (children 1)
      TableIdentifier gridscope_a.otel_traces (alias o)
     TableJoin (children 1)
      Literal UInt64_1
   Function in (children 1)
    ExpressionList (children 2)
     Identifier x
     Subquery (children 1)
      SelectWithUnionQuery (children 1)
       ExpressionList (children 1)
        SelectQuery (children 1)
         ExpressionList (children 1)
          Literal UInt64_1`.split('\n');

describe('SQL guard', () => {
  it('builds the tree from indentation', () => {
    const root = parseAstLines(JOIN);
    expect(root.children).toHaveLength(1);
    expect(root.children[0]!.children[0]!.children[0]!.children.map((c) => c.label)).toEqual([
      'ExpressionList (children 1)',
      'TablesInSelectQuery (children 2)',
      'Function in (children 1)',
    ]);
  });

  it('accepts tables of its own database and unqualified ones', () => {
    expect(() => checkSelectAst(JOIN, 'gridscope_a')).not.toThrow();
  });

  it('refuses tables of another database', () => {
    expect(() => checkSelectAst(JOIN, 'gridscope_b')).toThrow(
      /gridscope_a\.otel_traces is outside/,
    );
  });

  it('refuses a table name on the right of IN, a table function and SETTINGS', () => {
    const inTable = JOIN.map((l) => (l.includes('Subquery') ? '     Identifier users' : l)).slice(
      0,
      19,
    );
    expect(() => checkSelectAst(inTable, 'gridscope_a')).toThrow(/use a subquery/);
    const tableFn = JOIN.map((l) =>
      l.replace('TableIdentifier t', 'Function numbers (children 1)'),
    );
    expect(() => checkSelectAst(tableFn, 'gridscope_a')).toThrow(
      /table functions are not allowed: numbers/,
    );
    expect(() => checkSelectAst([...JOIN, '   Set'], 'gridscope_a')).toThrow(/SETTINGS/);
  });

  it('refuses anything but a SELECT, and FORMAT', () => {
    expect(() => checkSelectAst(['DropQuery  t (children 1)', ' Identifier t'], 'd')).toThrow(
      /only a SELECT is allowed \(this is DropQuery\)/,
    );
    const withFormat = ['SelectWithUnionQuery (children 2)', ...JOIN.slice(1), ' Identifier CSV'];
    expect(() => checkSelectAst(withFormat, 'gridscope_a')).toThrow(/FORMAT/);
  });

  it('screens text: one statement, trailing semicolon allowed, nothing empty', () => {
    expect(screenSqlText(' SELECT 1 ;  ')).toBe('SELECT 1');
    expect(() => screenSqlText('SELECT 1; SELECT 2')).toThrow(/one statement only/);
    expect(() => screenSqlText("SELECT ';'")).toThrow(/one statement only/);
    expect(() => screenSqlText('  ;')).toThrow(/sql: empty/);
  });
});
