// @ts-check
/**
 * Flags `object[key]`, `object[key] = value` and `key in object` where `object` is a plain dictionary (a type with a
 * string index signature, such as Record<string, T>) and `key` is any string rather than a known literal. A plain
 * object answers `constructor`, `toString` or `__proto__` from its prototype, and writing `__proto__` replaces the
 * prototype, so a key that came from outside (a user id, a role, a tool or model name) must go through a Map or an
 * own-property check (`Object.hasOwn`, common/own.ts).
 */
const ts = require('typescript');
const { ESLintUtils } = require('@typescript-eslint/utils');

/** @param {import('typescript').Type} type */
function isOpenString(type) {
  if (type.flags & ts.TypeFlags.Any) return true;
  if (type.flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return true;
  if (type.isUnion()) return type.types.some(isOpenString);
  return false;
}

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'no plain-object lookups by an arbitrary string key' },
    messages: {
      lookup:
        'Indexing a plain object by an arbitrary string reads its prototype (constructor, toString, __proto__): use a Map or ownValue()/Object.hasOwn.',
    },
    schema: [],
  },
  create(context) {
    const services = ESLintUtils.getParserServices(/** @type {never} */ (context));
    const checker = services.program.getTypeChecker();
    /** @param {import('typescript').Type} type */
    const isDictionary = (type) => {
      const solid = checker.getNonNullableType(type);
      const parts = solid.isUnion() || solid.isIntersection() ? solid.types : [solid];
      return parts.some(
        (part) =>
          !checker.isArrayLikeType(part) &&
          !(part.flags & ts.TypeFlags.StringLike) &&
          checker.getIndexInfoOfType(part, ts.IndexKind.String) !== undefined,
      );
    };
    return {
      /** @param {import('estree').MemberExpression} node */
      MemberExpression(node) {
        if (!node.computed || node.property.type === 'Literal') return;
        const key = services.getTypeAtLocation(/** @type {never} */ (node.property));
        if (!isOpenString(key)) return;
        if (isDictionary(services.getTypeAtLocation(/** @type {never} */ (node.object)))) {
          context.report({ node, messageId: 'lookup' });
        }
      },
      /** @param {import('estree').BinaryExpression} node */
      BinaryExpression(node) {
        if (node.operator !== 'in' || node.left.type === 'Literal' || node.left.type === 'PrivateIdentifier') return;
        const key = services.getTypeAtLocation(/** @type {never} */ (node.left));
        if (!isOpenString(key)) return;
        if (isDictionary(services.getTypeAtLocation(/** @type {never} */ (node.right)))) {
          context.report({ node, messageId: 'lookup' });
        }
      },
    };
  },
};
