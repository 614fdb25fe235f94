// @ts-check
/**
 * Flags a string literal that spells one of the registered error type names (common/errors.ts) anywhere but in the
 * registry itself. Retry policies, the workflow's failure handling and the model all match on these names: written as
 * `ErrorType.X` a rename or a typo is a type error; written as a bare string it silently stops matching.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const REGISTRY = path.join(__dirname, '..', 'common', 'errors.ts');

/** @type {{ mtimeMs: number, names: Set<string> } | undefined} */
let cached;

/**
 * The registry's values, read by running the registry module itself (it is pure and imports nothing), so the rule
 * knows exactly the names the code does. Re-read when the file changes, for editors that keep ESLint running.
 */
function registeredNames() {
  const { mtimeMs } = fs.statSync(REGISTRY);
  if (cached?.mtimeMs === mtimeMs) return cached.names;
  const source = fs.readFileSync(REGISTRY, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  /** @type {{ ErrorType?: Record<string, unknown> }} */
  const exported = {};
  new Function('exports', outputText)(exported);
  const values = Object.values(exported.ErrorType ?? {});
  if (values.length === 0) throw new Error(`no-bare-error-type: ${REGISTRY} exports no ErrorType registry`);
  cached = { mtimeMs, names: new Set(values.filter((value) => typeof value === 'string')) };
  return cached.names;
}

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'error type names are written through the ErrorType registry, never as bare strings' },
    messages: {
      bare: "'{{name}}' is a registered error type: write ErrorType.{{name}} (common/errors.ts).",
    },
    schema: [],
  },
  create(context) {
    if (path.resolve(context.filename) === REGISTRY) return {};
    const names = registeredNames();
    /** @param {import('estree').Node} node @param {unknown} value */
    const check = (node, value) => {
      if (typeof value === 'string' && names.has(value))
        context.report({ node, messageId: 'bare', data: { name: value } });
    };
    return {
      Literal: (node) => check(node, node.value),
      TemplateLiteral: (node) => {
        if (node.expressions.length === 0) check(node, node.quasis[0]?.value.cooked);
      },
    };
  },
};
