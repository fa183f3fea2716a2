import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronParseError } from './batch.ts';

test('cron schedules robfig/cron accepts', () => {
  const ok = [
    '* * * * *',
    '*/5 * * * *',
    '0 0 * * *',
    '0 9-17 * * mon-fri',
    '30 2 1,15 * *',
    '0 0 1 jan,jul *',
    '0 0 * * SUN',
    '5/15 * * * *',
    '0 0 ? * *',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@every 1h30m',
    'TZ=UTC 0 0 * * *',
    'CRON_TZ=Europe/Paris 0 0 * * *',
    '  0   0  *  *  *  ',
  ];
  for (const s of ok) assert.equal(cronParseError(s), undefined, s);
});

test('cron schedules robfig/cron rejects, with its messages', () => {
  const bad: [string, string][] = [
    ['', 'empty spec string'],
    ['error', 'expected exactly 5 fields, found 1: [error]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 0 * * *', 'expected exactly 5 fields, found 6: [0 0 0 * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * * funday', 'failed to parse int from funday: strconv.Atoi: parsing "funday": invalid syntax'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['TZ=Nowhere/Special 0 0 * * *', 'provided bad location Nowhere/Special: unknown time zone Nowhere/Special'],
  ];
  for (const [s, msg] of bad) assert.equal(cronParseError(s), msg, s);
});
