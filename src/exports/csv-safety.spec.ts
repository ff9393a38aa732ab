import { safeText } from './csv-safety';

describe(safeText.name, () => {
  it.each([
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-vm', "'-vm"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['vm-1', 'vm-1'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(safeText(input)).toBe(expected);
  });

  it('maps null to an empty cell', () => {
    expect(safeText(null)).toBe('');
  });
});
