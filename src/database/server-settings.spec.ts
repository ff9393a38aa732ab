import { settingsWarnings } from './server-settings';

describe('settingsWarnings', () => {
  it('has nothing to say about a server with autovacuum and its statistics on', () => {
    expect(settingsWarnings({ autovacuum: 'on', trackCounts: 'on' })).toEqual([]);
  });

  it('names autovacuum when it is off, and says what it costs', () => {
    const [w, ...rest] = settingsWarnings({ autovacuum: 'off', trackCounts: 'on' });
    expect(rest).toEqual([]);
    expect(w).toMatch(/autovacuum off/);
    expect(w).toMatch(/rating_marks/);
  });

  it('names track_counts when it is off (autovacuum cannot work without it)', () => {
    expect(settingsWarnings({ autovacuum: 'on', trackCounts: 'off' })).toEqual([
      expect.stringMatching(/track_counts off/),
    ]);
    expect(settingsWarnings({ autovacuum: 'off', trackCounts: 'off' })).toHaveLength(2);
  });
});
