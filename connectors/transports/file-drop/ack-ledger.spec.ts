import { describe, expect, it } from 'vitest';
import { AckLedger, reasonAt } from './ack-ledger.ts';

describe('the fates a file-drop position keeps for its acknowledgments', () => {
  it('keeps the dead-lettered messages as runs of one reason, from the oldest unanswered interchange on', () => {
    const ledger = new AckLedger();
    for (let m = 1; m <= 9; m++)
      ledger.record('a.x12', m, m >= 3 && m <= 5 ? 'bad date' : m === 7 ? 'bad qty' : undefined);
    expect(ledger.fatesOf('a.x12')).toEqual({
      from: 1,
      refused: [
        [3, 5, 'bad date'],
        [7, 7, 'bad qty'],
      ],
    });
    // Handed out again from message 4 after a failed transaction: the fates from there on are recorded anew.
    ledger.record('a.x12', 4, undefined);
    expect(ledger.fatesOf('a.x12')!.refused).toEqual([[3, 3, 'bad date']]);
    for (let m = 5; m <= 9; m++)
      ledger.record('a.x12', m, m === 5 ? 'bad date' : m === 7 ? 'bad qty' : undefined);
    expect(ledger.fatesOf('a.x12')!.refused).toEqual([
      [3, 3, 'bad date'],
      [5, 5, 'bad date'],
      [7, 7, 'bad qty'],
    ]);
    // The interchanges before message 6 answered: only what follows is kept.
    ledger.answeredBefore('a.x12', 6);
    expect(ledger.fatesOf('a.x12')).toEqual({ from: 6, refused: [[7, 7, 'bad qty']] });
    expect(ledger.isAnswered('a.x12')).toBe(false);
    ledger.finished('a.x12');
    expect(ledger.fatesOf('a.x12')).toBeUndefined();
    expect(ledger.isAnswered('a.x12')).toBe(true);
    ledger.forget('a.x12');
    expect(ledger.isAnswered('a.x12')).toBe(false);
  });

  it('gives them back as a restart reads them, cuts long reasons, and keeps none past 200 runs', () => {
    const ledger = new AckLedger();
    ledger.record('b.edi', 1, 'x'.repeat(2000));
    ledger.record('b.edi', 2, undefined);
    const fates = ledger.fatesOf('b.edi')!;
    expect(fates.refused[0]![2]).toHaveLength(500);
    const restored = new AckLedger();
    restored.restore('b.edi', fates);
    expect(restored.fatesOf('b.edi')).toEqual(fates);
    expect(reasonAt(fates, 1)).toBe(fates.refused[0]![2]);
    expect(reasonAt(fates, 2)).toBeUndefined();

    // Every other message dead-lettered, each with a reason of its own: past 200 runs, no fates at all (the restart
    // says the acknowledgment may be missing) rather than a position too big for Kafka.
    for (let m = 1; m <= 400; m++) ledger.record('c.x12', m, m % 2 ? `reason ${m}` : undefined);
    expect(ledger.fatesOf('c.x12')!.refused).toHaveLength(200);
    ledger.record('c.x12', 401, 'reason 401');
    expect(ledger.fatesOf('c.x12')).toBeUndefined();
    // Answered past the first 300 messages: few enough again.
    ledger.answeredBefore('c.x12', 301);
    expect(ledger.fatesOf('c.x12')!.refused).toHaveLength(51);
    expect(ledger.fatesOf('c.x12')!.refused[0]).toEqual([301, 301, 'reason 301']);
  });
});
