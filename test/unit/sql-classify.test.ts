import { classifySql } from '../../activities/tools/sql-classify';

const classOf = (sql: string) => classifySql(sql).class;

describe('SQL classification', () => {
  test.each([
    ['SELECT * FROM customers', 'read'],
    ['select count(*) from orders where total > 10', 'read'],
    ['SELECT 1 UNION SELECT 2', 'read'],
    ['WITH t AS (SELECT 1) SELECT * FROM t', 'read'],
    ['EXPLAIN SELECT * FROM orders', 'read'],
    ['EXPLAIN (FORMAT JSON) DELETE FROM orders', 'read'],
    ['EXPLAIN ANALYZE SELECT 1', 'read'],
    ['VALUES (1), (2)', 'read'],
    ['-- a comment\nSELECT 1;', 'read'],
  ])('%s is read', (sql, expected) => expect(classOf(sql)).toBe(expected));

  test.each([
    ["INSERT INTO customers (name) VALUES ('x')", 'write'],
    ["UPDATE customers SET name = 'y' WHERE id = 1", 'write'],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v', 'write'],
    ['WITH t AS (SELECT 1) INSERT INTO x SELECT * FROM t', 'write'],
    ['WITH u AS (UPDATE t SET v = 1 RETURNING *) SELECT * FROM u', 'write'],
  ])('%s is write', (sql, expected) => expect(classOf(sql)).toBe(expected));

  test.each([
    'DELETE FROM orders WHERE id = 3',
    'TRUNCATE orders',
    'DROP TABLE orders',
    'ALTER TABLE orders ADD COLUMN note text',
    'GRANT SELECT ON orders TO someone',
    'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
    'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
    'EXPLAIN ANALYZE DELETE FROM orders',
    'DO $$ BEGIN PERFORM 1; END $$',
    'COMMIT',
    'SELEKT * FROM orders',
    '',
  ])('%s is destructive', (sql) => expect(classOf(sql)).toBe('destructive'));

  test('several statements take the most dangerous class', () => {
    expect(classOf('SELECT 1; SELECT 2')).toBe('read');
    expect(classOf('SELECT 1; INSERT INTO t VALUES (1)')).toBe('write');
    expect(classifySql('SELECT 1; UPDATE t SET v = 2; DELETE FROM t')).toEqual({
      class: 'destructive',
      reason: 'SELECT (read), UPDATE (write), DELETE (destructive)',
    });
    // A statement the parser cannot read hides nothing: the whole input counts as destructive.
    expect(classOf('SELECT 1; EXPLAIN SELECT 2')).toBe('destructive');
  });

  test('an unparseable statement says why it is destructive', () => {
    expect(classifySql('SELEKT 1').reason).toMatch(/^unparseable SQL, treated as destructive/);
  });
});
