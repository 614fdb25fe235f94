import fc from 'fast-check';
import type { ChatMessage } from '../../common/chat';
import { cutMiddle, textOf } from '../../common/text';
import { countMessageTokens, countTextTokens, countToolTokens } from '../../activities/model/tokenizer';
import { estimateTokens } from '../../workflows/model/compaction';
import { capFor, cutsToFit, FIT_MARKER, latestTurnStart, planSummary } from '../../workflows/model/context-fit';
import { estimatePromptTokens } from '../../workflows/budget/prompt-estimate';

const sys: ChatMessage = { role: 'system', content: 's' };
const task: ChatMessage = { role: 'user', content: 'u' };
const call = (id: string, args = '{}'): ChatMessage => ({
  role: 'assistant',
  content: null,
  toolCalls: [{ id, name: 't', arguments: args }],
});
const result = (id: string, content: string): ChatMessage => ({ role: 'tool', toolCallId: id, content });

describe('token counting and prompt estimates never throw, whatever they are handed', () => {
  test('non-string arguments, contents and names count as their text', () => {
    const odd = {
      role: 'assistant',
      content: 42,
      toolCalls: [{ id: 1, name: null, arguments: { a: [1] } }, 'x', null],
    };
    expect(countMessageTokens(odd as never)).toBeGreaterThan(4);
    expect(countTextTokens(null)).toBe(0);
    expect(countTextTokens(['a b'])).toBeGreaterThan(0);
    expect(countTextTokens('hi <|endoftext|> there')).toBeGreaterThan(3);
    expect(countToolTokens([null, 5, { name: 'x' }] as never)).toBeGreaterThan(0);
    expect(countToolTokens('tools' as never)).toBe(0);
  });

  test('any value in any place: counting, estimating and reserving return finite numbers', () => {
    const anyMessage = fc.oneof(
      fc.anything(),
      fc.record({
        role: fc.constantFrom('assistant', 'tool', 'user'),
        content: fc.anything(),
        toolCalls: fc.anything(),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(anyMessage, { maxLength: 5 }),
        fc.array(fc.anything(), { maxLength: 5 }),
        (messages, counts) => {
          const transcript = messages as ChatMessage[];
          for (const message of transcript) expect(Number.isFinite(countMessageTokens(message))).toBe(true);
          expect(Number.isFinite(estimateTokens(transcript, counts as never))).toBe(true);
          expect(Number.isFinite(estimatePromptTokens(transcript, counts as never))).toBe(true);
          expect(Number.isFinite(countToolTokens(counts as never))).toBe(true);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  test('estimates take transcripts and counts that are not arrays', () => {
    for (const junk of [null, undefined, 5, 'text', { length: 3 }]) {
      expect(estimateTokens(junk as never, junk as never)).toBe(0);
      expect(Number.isFinite(estimatePromptTokens(junk as never, junk as never))).toBe(true);
      expect(countMessageTokens(junk as never)).toBe(4);
    }
  });

  test('textOf copes with values JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(textOf(cyclic)).toBe('');
    expect(textOf({ n: 1n })).toBe('');
    expect(textOf(Symbol('s'))).toBe('');
    expect(textOf(undefined)).toBe('');
    expect(textOf(3n)).toBe('3');
  });
});

describe('summary plans consider every message before the latest turn', () => {
  const options = { keepRecentMessages: 2, summaryAllowance: 50, headroomTarget: 1_000, fixedTokens: 0 };

  test('the latest turn is where the last model message is', () => {
    expect(latestTurnStart([sys, task])).toBe(2);
    expect(latestTurnStart([sys, task, call('1'), result('1', 'r'), call('2'), result('2', 'r')])).toBe(4);
  });

  test('keeps keepRecentMessages when that leaves headroom, and never summarises the latest turn', () => {
    const transcript = [
      sys,
      task,
      call('1'),
      result('1', 'r'),
      call('2'),
      result('2', 'r'),
      call('3'),
      result('3', 'r'),
    ];
    const sizes = [5, 5, 100, 100, 100, 100, 100, 100];
    expect(planSummary(transcript, sizes, options)).toEqual({ start: 2, upTo: 6 });
    // Nothing larger than the summary could be: no plan.
    expect(planSummary(transcript, sizes, { ...options, summaryAllowance: 400 })).toBeUndefined();
    expect(planSummary(transcript.slice(0, 4), sizes, options)).toBeUndefined();
  });

  test('moves the cut later when the kept messages would leave no headroom, so the next step does not compact again', () => {
    const transcript = [
      sys,
      task,
      call('1'),
      result('1', 'r'),
      call('2'),
      result('2', 'r'),
      call('3'),
      result('3', 'r'),
    ];
    const sizes = [5, 5, 100, 100, 100, 900, 100, 100];
    expect(planSummary(transcript, sizes, { ...options, keepRecentMessages: 4 })).toEqual({ start: 2, upTo: 6 });
    // Even when keepRecentMessages covers every turn.
    expect(planSummary(transcript, sizes, { ...options, keepRecentMessages: 8 })).toEqual({ start: 2, upTo: 6 });
  });
});

describe('cutting the latest turn to fit', () => {
  test('water-filling: small messages stay whole, larger ones share what is left', () => {
    expect(capFor([10, 20, 1_000], 530)).toBe(500);
    expect(capFor([10, 20], 1_000)).toBe(64);
    expect(capFor([1_000, 1_000], 10)).toBe(64);
  });

  test('one output larger than the window is cut, head and tail kept, with a marker', () => {
    const big = Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(' ');
    const transcript = [sys, task, call('1'), result('1', big)];
    const sizes = [5, 5, 10, 6_000];
    const cuts = cutsToFit(transcript, sizes, 2, 1_000);
    expect(cuts.map((c) => c.index)).toEqual([3]);
    const content = (cuts[0]!.message as { content: string }).content;
    expect(content.startsWith('w0 w1 ')).toBe(true);
    expect(content.endsWith('w2999')).toBe(true);
    expect(content).toContain(`characters omitted of ${big.length.toLocaleString('en-US')}${FIT_MARKER}]`);
    expect(content.length).toBeLessThan((big.length * 1_000) / 6_000);
    expect(cutsToFit(transcript, sizes, 2, 7_000)).toEqual([]);
  });

  test('the model turn itself is cut too: text and arguments alike, never the system message', () => {
    const args = JSON.stringify({ content: 'a b '.repeat(5_000) });
    const transcript: ChatMessage[] = [
      sys,
      task,
      { ...call('1', args), content: 'c '.repeat(5_000) },
      result('1', 'ok'),
    ];
    const cuts = cutsToFit(transcript, [5, 5, 10_000, 3], 2, 600);
    expect(cuts.map((c) => c.index)).toEqual([2]);
    const message = cuts[0]!.message as Extract<ChatMessage, { role: 'assistant' }>;
    expect(message.content).toContain(FIT_MARKER);
    expect(message.toolCalls![0]!.arguments).toContain(FIT_MARKER);
    expect(message.toolCalls![0]!.arguments.length).toBeLessThan(args.length / 5);
    expect(cutsToFit([{ role: 'system', content: 'x'.repeat(9_000) }], [3_000], 0, 100)).toEqual([]);
  });

  test('cutMiddle keeps the result within its cap and says why', () => {
    const out = cutMiddle('z'.repeat(10_000), 500, FIT_MARKER);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toContain('[9,');
    expect(out).toContain(`of 10,000${FIT_MARKER}]`);
  });
});
