import { preparedSql } from './prepared';

describe(preparedSql.name, () => {
  it('names one text once; the same declaration again is fine', () => {
    const a = preparedSql('spec_one', 'SELECT 1');
    expect(a).toEqual({ name: 'spec_one', text: 'SELECT 1' });
    expect(preparedSql('spec_one', 'SELECT 1')).toEqual(a);
  });

  it('refuses a second text under a name (PostgreSQL would run the first one)', () => {
    preparedSql('spec_two', 'SELECT 2');
    expect(() => preparedSql('spec_two', 'SELECT 3')).toThrow(/declared twice/);
  });
});
