import path from 'node:path';
import { RuleTester, type Rule } from 'eslint';
import tseslint from 'typescript-eslint';
import { ErrorType } from '../../../common/errors';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rule = require('../../../eslint-rules/no-bare-error-type') as Rule.RuleModule;

RuleTester.describe = describe;
RuleTester.it = test;
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser as never } });
const elsewhere = path.join(__dirname, '..', '..', '..', 'activities', 'example.ts');
const registry = path.join(__dirname, '..', '..', '..', 'common', 'errors.ts');

tester.run('no-bare-error-type', rule, {
  valid: [
    {
      code: "import { ErrorType } from '../common/errors'; throw new ToolError('gone', ErrorType.NotFound);",
      filename: elsewhere,
    },
    // Strings that are not registered names, and the registry itself, are left alone.
    { code: "const kind = 'function'; const name = 'SyntaxError';", filename: elsewhere },
    { code: "export const ErrorType = { NotFound: 'NotFound' } as const;", filename: registry },
  ],
  invalid: [
    { code: "throw new ToolError('gone', 'NotFound');", filename: elsewhere, errors: [{ messageId: 'bare' }] },
    {
      code: "const retry = { nonRetryableErrorTypes: ['McpProtocolError', `SecretMissing`] };",
      filename: elsewhere,
      errors: [{ messageId: 'bare' }, { messageId: 'bare' }],
    },
    { code: "if (failure.type === 'ModelTimeout') stop();", filename: elsewhere, errors: [{ messageId: 'bare' }] },
  ],
});

test('every registered name equals its key, so ErrorType.X always spells X', () => {
  for (const [key, value] of Object.entries(ErrorType)) expect(value).toBe(key);
});
