import { acceptsGzip, ifNoneMatchHits } from './http-negotiation';

describe('acceptsGzip', () => {
  it.each<[string | string[] | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['deflate, br', false],
    ['gzip;q=0', false],
    ['gzip;q=0.000', false],
    ['gzip;q=0, *', false],
    ['*', true],
    ['*;q=0', false],
    [['deflate', 'gzip'], true],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('ifNoneMatchHits', () => {
  const tags = ['"abc"', '"abc-gzip"'];
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['"abc"', true],
    ['"abc-gzip"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"x","y"', false],
    ['"ab"', false],
    ['abc', false],
    ['*', true],
  ])('%j → %s', (header, expected) => {
    expect(ifNoneMatchHits(header, tags)).toBe(expected);
  });
});
